#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Fails when a file of the project refers to a path outside the project's tree.

    tests/tools/check_self_contained.py [ROOT]

A user's clone has nothing beside it: what a test, a script or the build reads
must be in the tree. Every file git tracks (every file, without git) is read as
text, except fuzz inputs (data, not references), and each reference is resolved:

- a run of parent steps, `../..` in a path, `'..', '..'` in a Python join or
  `/ '..'` in meson, from the file's own folder, or from the root of the tree
  when the expression starts there (ROOT, project_source_root(), ...): it must
  stay inside the tree;
- an absolute path into a workplace (/work, /home, /root, /tmp/hagd-...) or a
  folder named shared/testdata: never.

Prints one line per finding (FILE:LINE: why) and exits 1 if there is any.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
SKIP_PREFIXES = ('tests/fuzz/corpus/', 'tests/fuzz/regressions/', 'tests/data/pcap/')

# `../..`, `$X/../..`, `"${ROOT}"/../x`: the text before the dots says where it starts.
SLASH_UPS = re.compile(r'(?<![\w.])\.\.(?:/\.\.)*(?=/|$|[\s"\'`)\]])')
# The expression a path starts from: the text before it back to a space, '=' or '('.
PREFIX = re.compile(r'[^\s=(,]*$')
# Python: os.path.join(X, '..', '..'); meson: X / '..' / '..'
QUOTED_UPS = re.compile(r"""(\w*\(?[^,(]*?)((?:\s*(?:,|/)\s*['"]\.\.['"])+)""")
ABSOLUTE = re.compile(r'(?<![\w.])(/work/|/home/\w|/root/|shared/testdata)')
ROOT_WORDS = re.compile(r'ROOT|root|source_root|SRCDIR', re.I)


def tracked_files():
    try:
        out = subprocess.run(['git', '-C', ROOT, 'ls-files', '-z', '--cached', '--others',
                              '--exclude-standard'], check=True,
                             capture_output=True).stdout
        return [f for f in out.decode().split('\0') if f]
    except (OSError, subprocess.CalledProcessError):
        names = []
        for d, dirs, files in os.walk(ROOT):
            dirs[:] = [x for x in dirs if not x.startswith('.') and not x.startswith('build')]
            names += [os.path.relpath(os.path.join(d, f), ROOT) for f in files]
        return names


def escapes(start, ups):
    """True when going up UPS folders from START (a folder in the tree) leaves the tree."""
    depth = 0 if start == '' else len(start.split('/'))
    return ups > depth


def check(rel):
    path = os.path.join(ROOT, rel)
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as e:
        return [f'{rel}: unreadable ({e.strerror})']
    if b'\0' in data:
        return []
    findings = []
    here = os.path.dirname(rel)
    for n, line in enumerate(data.decode('utf-8', 'replace').splitlines(), 1):
        m = ABSOLUTE.search(line)
        if m:
            findings.append(f'{rel}:{n}: names {m.group(1)!r}, outside the tree')
        for m in SLASH_UPS.finditer(line):
            prefix, dots = PREFIX.search(line[:m.start()]).group(0), m.group(0)
            ups = dots.count('..')
            start = '' if ROOT_WORDS.search(prefix) else here
            if escapes(start, ups):
                findings.append(f'{rel}:{n}: {prefix}{dots} leaves the tree')
        for m in QUOTED_UPS.finditer(line):
            prefix, dots = m.group(1), m.group(2)
            ups = dots.count('..')
            start = '' if ROOT_WORDS.search(prefix) else here
            if escapes(start, ups):
                findings.append(f'{rel}:{n}: {prefix.strip()}{dots} leaves the tree')
    return findings


def main():
    me = os.path.relpath(os.path.abspath(__file__), ROOT)
    files = [f for f in tracked_files() if not f.startswith(SKIP_PREFIXES) and f != me]
    findings = []
    for rel in files:
        findings += check(rel)
    for f in findings:
        print(f)
    if findings:
        print(f'{len(findings)} references outside the tree in {len(files)} files')
        return 1
    print(f'{len(files)} files, no reference outside the tree')
    return 0


if __name__ == '__main__':
    sys.exit(main())
