/* SPDX-License-Identifier: BSD-3-Clause */
#include "tcp/tcp_internal.h"

const char *const tcp_mib_names[TCP_MIB_MAX] = {
	[TCP_MIB_ACTIVE_OPENS] = "ActiveOpens",
	[TCP_MIB_PASSIVE_OPENS] = "PassiveOpens",
	[TCP_MIB_ATTEMPT_FAILS] = "AttemptFails",
	[TCP_MIB_ESTAB_RESETS] = "EstabResets",
	[TCP_MIB_IN_SEGS] = "InSegs",
	[TCP_MIB_OUT_SEGS] = "OutSegs",
	[TCP_MIB_RETRANS_SEGS] = "RetransSegs",
	[TCP_MIB_IN_ERRS] = "InErrs",
	[TCP_MIB_IN_CSUM_ERRORS] = "InCsumErrors",
	[TCP_MIB_OUT_RSTS] = "OutRsts",
	[TCP_MIB_IN_RSTS] = "InRsts",
	[TCP_MIB_TIMEOUTS] = "TCPTimeouts",
	[TCP_MIB_FAST_RETRANS] = "TCPFastRetrans",
	[TCP_MIB_ABORT_ON_TIMEOUT] = "TCPAbortOnTimeout",
	[TCP_MIB_OFO_QUEUE] = "TCPOFOQueue",
	[TCP_MIB_OFO_DROP] = "TCPOFODrop",
	[TCP_MIB_DUP_DATA] = "DupData",
	[TCP_MIB_OUT_OF_WINDOW] = "OutOfWindow",
	[TCP_MIB_CHALLENGE_ACK] = "TCPChallengeACK",
	[TCP_MIB_WIN_PROBE] = "TCPWinProbe",
	[TCP_MIB_DELAYED_ACKS] = "DelayedACKs",
	[TCP_MIB_NO_PORT] = "NoPort",
	[TCP_MIB_LISTEN_DROPS] = "ListenDrops",
	[TCP_MIB_TW_RECYCLED] = "TWRecycled",
	[TCP_MIB_NO_MBUF] = "NoMbuf",
	[TCP_MIB_SACK_RECOVERY] = "TCPSackRecovery",
	[TCP_MIB_RENO_RECOVERY] = "TCPRenoRecovery",
	[TCP_MIB_DSACK_RECV] = "TCPDSACKRecv",
	[TCP_MIB_SACK_DISCARD] = "TCPSACKDiscard",
	[TCP_MIB_LOSS_PROBES] = "TCPLossProbes",
	[TCP_MIB_RACK_RECOVERY] = "RackRecovery",
	[TCP_MIB_LOST_RETRANSMIT] = "TCPLostRetransmit",
	[TCP_MIB_SACK_FAILURES] = "TCPSackFailures",
	[TCP_MIB_LOSS_FAILURES] = "TCPLossFailures",
	[TCP_MIB_SACK_REORDER] = "TCPSACKReorder",
	[TCP_MIB_RACK_LOST] = "RackLost",
	[TCP_MIB_RACK_LOG_NO_MEMORY] = "RackLogNoMemory",
	[TCP_MIB_PAWS_ESTAB] = "PAWSEstabRejected",
	[TCP_MIB_KEEPALIVE] = "TCPKeepAlive",
	[TCP_MIB_KEEPALIVE_ABORT] = "KeepAliveAborts",
	[TCP_MIB_IDLE_TIMEOUT] = "IdleTimeouts",
	[TCP_MIB_TW_OVERFLOW] = "TCPTimeWaitOverflow",
	[TCP_MIB_CHALLENGE_THROTTLED] = "ChallengeACKThrottled",
	[TCP_MIB_ICMP_FRAG_NEEDED] = "IcmpFragNeeded",
	[TCP_MIB_ICMP_IGNORED] = "IcmpIgnored",
	[TCP_MIB_ICMP_REFUSED] = "IcmpRefused",
	[TCP_MIB_RCVBUF_GROWN] = "RcvBufGrown",
	[TCP_MIB_RCVBUF_LIMITED] = "RcvBufLimited",
	[TCP_MIB_RCVQ_DROP] = "TCPRcvQDrop",
	[TCP_MIB_SNDBUF_GROWN] = "SndBufGrown",
	[TCP_MIB_HYSTART_EXIT] = "HyStartExit",
	[TCP_MIB_SYNCOOKIES_SENT] = "SyncookiesSent",
	[TCP_MIB_SYNCOOKIES_RECV] = "SyncookiesRecv",
	[TCP_MIB_SYNCOOKIES_FAILED] = "SyncookiesFailed",
	[TCP_MIB_REQ_QFULL_DROP] = "TCPReqQFullDrop",
	[TCP_MIB_NO_ACK_DROP] = "NoAckDrops",
	[TCP_MIB_RST_OUT_OF_WINDOW] = "RstOutOfWindow",
	[TCP_MIB_RST_NO_SOCKET] = "RstNoSocket",
	[TCP_MIB_MPTCP_OPT_PLAIN] = "MptcpOptOnPlain",
};

uint64_t tcp_mib_get(const struct tcp_stack *st, enum tcp_mib c)
{
	return st->mib[c];
}

void tcp_mib_inc(struct tcp_stack *st, enum tcp_mib c)
{
	st->mib[c]++;
}
