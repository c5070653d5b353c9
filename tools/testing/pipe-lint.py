#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Find pipelines that fail at random under "set -o pipefail".

`producer | grep -q PATTERN` in a shell with pipefail fails whenever grep
finds its match and exits before the producer wrote its last line: the
producer's next write gets SIGPIPE (status 141) and pipefail makes that
the pipeline's status. bash's builtins write a line at a time, so a test
passes or fails depending on the scheduler. The safe forms read the text
whole: `grep -q PATTERN <<<"$text"`, `grep -q PATTERN < <(command)`.

Usage: pipe-lint.py FILE...; prints FILE:LINE: TEXT for each finding and
exits 1 if there is one. Code inside the string of a `bash -c` or `sh -c`
is exempt: that shell starts without pipefail.
"""
import re
import sys

PIPEFAIL = re.compile(r'^\s*set\s+(.*\s)?(-[a-zA-Z]*o\s+pipefail|-o\s+pipefail)', re.M)
EARLY_EXIT = re.compile(
    r'(?<!\|)\|&?\s*grep(\s+-[a-zA-Z]+)*\s+(-[a-zA-Z]*[qm][a-zA-Z0-9]*\b|--quiet\b|--max-count)')
SUBSHELL = re.compile(r'\b(bash|sh)\s+-c\s*$')
HEREDOC = re.compile(r'<<(-?)\s*([\'"]?)([A-Za-z_][A-Za-z_0-9]*)\2')


def code_mask(text):
    """For each character: True when it is shell code that runs with the
    file's options (not a quoted literal, a comment, a heredoc body or a
    `bash -c` string)."""
    n = len(text)
    mask = [False] * n
    # Each frame: [kind, exempt, paren depth]; kind is code, sq or dq.
    stack = [['code', False, 0]]
    heredocs = []
    i = 0
    while i < n:
        kind, exempt, _ = stack[-1]
        c = text[i]
        if kind == 'sq':
            if c == "'":
                stack.pop()
            i += 1
            continue
        if kind == 'dq':
            if c == '\\':
                i += 2
            elif c == '"':
                stack.pop()
                i += 1
            elif text.startswith('$(', i):
                stack.append(['code', exempt, 0])
                i += 2
            else:
                i += 1
            continue
        # Code (and arithmetic, which closes like code).
        if c == '\n' and heredocs:
            i += 1
            for strip, word in heredocs:
                while i < n:
                    end = text.find('\n', i)
                    end = n if end < 0 else end
                    line = text[i:end]
                    i = end + 1
                    if (line.lstrip('\t') if strip else line) == word:
                        break
            heredocs = []
            continue
        if c == '#' and (i == 0 or text[i - 1] in ' \t\n;(|&'):
            end = text.find('\n', i)
            i = n if end < 0 else end
            continue
        if c == '\\':
            i += 2
            continue
        if c in '\'"':
            line_start = text.rfind('\n', 0, i) + 1
            sub = bool(SUBSHELL.search(text[line_start:i]))
            stack.append(['sq' if c == "'" else 'dq', exempt or sub, 0])
            i += 1
            continue
        if text.startswith('$((', i) or text.startswith('((', i):
            # Arithmetic: its << is a shift, not a heredoc.
            n_open = 3 if c == '$' else 2
            stack.append(['arith', exempt, 2])
            i += n_open
            continue
        m = HEREDOC.match(text, i) if kind != 'arith' else None
        if m:
            heredocs.append((m.group(1) == '-', m.group(3)))
            i = m.end()
            continue
        if text.startswith('$(', i):
            stack.append(['code', exempt, 0])
            mask[i] = not exempt
            i += 2
            continue
        if c == '(':
            stack[-1][2] += 1
        elif c == ')' and len(stack) > 1 and stack[-1][0] == 'arith':
            stack[-1][2] -= 1
            if stack[-1][2] <= 0:
                stack.pop()
            i += 1
            continue
        elif c == ')' and len(stack) > 1:
            if stack[-1][2] == 0:
                stack.pop()
                i += 1
                continue
            stack[-1][2] -= 1
        mask[i] = not exempt
        i += 1
    return mask


def findings(text):
    if not PIPEFAIL.search(text):
        return []
    mask = code_mask(text)
    found = []
    for m in EARLY_EXIT.finditer(text):
        if mask[m.start()]:
            line = text.count('\n', 0, m.start()) + 1
            found.append((line, text.splitlines()[line - 1].strip()))
    return found


def main(paths):
    bad = 0
    for path in paths:
        with open(path, encoding='utf-8', errors='replace') as f:
            for line, src in findings(f.read()):
                print(f'{path}:{line}: {src}')
                bad += 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
