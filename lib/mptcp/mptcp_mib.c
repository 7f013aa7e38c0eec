/* SPDX-License-Identifier: BSD-3-Clause */
#include "mptcp/mptcp_internal.h"

const char *const mptcp_mib_names[MPTCP_MIB_MAX] = {
	[MPTCP_MIB_MPCAPABLE_SYN_RX] = "MPCapableSYNRX",
	[MPTCP_MIB_MPCAPABLE_ACK_RX] = "MPCapableACKRX",
	[MPTCP_MIB_MPCAPABLE_DATA_RX] = "MPCapableDataRX",
	[MPTCP_MIB_FALLBACK_ACK] = "MPCapableFallbackACK",
	[MPTCP_MIB_PLAIN_SYN_RX] = "PlainSYNRX",
	[MPTCP_MIB_CSUM_REFUSED] = "MPCapableChecksumRefused",
	[MPTCP_MIB_BAD_KEY] = "MPCapableBadKey",
	[MPTCP_MIB_EARLY_DSS] = "EarlyDSS",
	[MPTCP_MIB_MPJOIN_SYN_RX] = "MPJoinSynRx",
	[MPTCP_MIB_MPJOIN_NO_TOKEN] = "MPJoinNoTokenFound",
	[MPTCP_MIB_MPJOIN_REFUSED] = "MPJoinRefused",
	[MPTCP_MIB_MPJOIN_SYN_BACKUP_RX] = "MPJoinSynBackupRx",
	[MPTCP_MIB_MPJOIN_ACK_RX] = "MPJoinAckRx",
	[MPTCP_MIB_MPJOIN_ACK_HMAC_FAIL] = "MPJoinAckHMacFailure",
	[MPTCP_MIB_MPJOIN_ACK_MISSING] = "MPJoinAckMissing",
	[MPTCP_MIB_DSS_NOT_MATCHING] = "DSSNotMatching",
	[MPTCP_MIB_DSS_NO_MATCH_TCP] = "DSSNoMatchTCP",
	[MPTCP_MIB_FALLBACK_NO_DSS] = "FallbackNoDSS",
	[MPTCP_MIB_DUPLICATE_DATA] = "DuplicateData",
	[MPTCP_MIB_OFO_QUEUE] = "OFOQueue",
	[MPTCP_MIB_DATA_FIN_RX] = "DataFinRx",
	[MPTCP_MIB_DATA_FIN_TX] = "DataFinTx",
	[MPTCP_MIB_OPTION_MALFORMED] = "OptionMalformed",
	[MPTCP_MIB_FASTCLOSE_RX] = "MPFastcloseRx",
	[MPTCP_MIB_FASTCLOSE_TX] = "MPFastcloseTx",
	[MPTCP_MIB_RST_TX] = "MPRstTx",
	[MPTCP_MIB_ADD_ADDR_TX] = "AddAddrTx",
	[MPTCP_MIB_ECHO_ADD_RX] = "EchoAdd",
	[MPTCP_MIB_ADD_ADDR_RX] = "AddAddr",
	[MPTCP_MIB_ADD_ADDR_DROP] = "AddAddrDrop",
	[MPTCP_MIB_MP_PRIO_RX] = "MPPrioRx",
	[MPTCP_MIB_RM_ADDR_RX] = "RmAddr",
	[MPTCP_MIB_RM_SUBFLOW] = "RmSubflow",
	[MPTCP_MIB_RST_RX] = "MPRstRx",
	[MPTCP_MIB_ESTAB] = "Established",
	[MPTCP_MIB_REINJECT] = "Reinjections",
	[MPTCP_MIB_RETRANS] = "MPTCPRetrans",
	[MPTCP_MIB_SCHED_JOINED] = "SchedJoined",
	[MPTCP_MIB_SUBFLOW_STALE] = "SubflowStale",
	[MPTCP_MIB_SUBFLOW_RECOVER] = "SubflowRecover",
	[MPTCP_MIB_TAKEOVER] = "Takeover",
};

uint64_t mptcp_mib_get(const struct mptcp_ctx *ctx, enum mptcp_mib c)
{
	return ctx->mib[c];
}
