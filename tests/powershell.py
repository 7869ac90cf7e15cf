"""A small PowerShell tokenizer for the static tests of the Windows modules (no PowerShell runs
here): it separates code from strings and comments, checks that brackets balance, and finds a
block's body; plus the aliases and the approved verbs PSScriptAnalyzer would flag or expect."""

from __future__ import annotations

import re


class Tokenized:
    def __init__(self, code: str, strings: list[tuple[int, str, str]], here_strings: list[tuple[int, str]]):
        self.code = code                  # the source with string and comment contents blanked
        self.strings = strings            # (line, quote, content) of every ordinary string
        self.here_strings = here_strings  # (line, content) of every here-string


def tokenize(source: str) -> Tokenized:
    """Blank out comments and string contents, keeping newlines so that line numbers survive.

    Handles `#` line comments, `<# #>` block comments, '...' (with '' escapes), "..." (with `x and
    "" escapes), @'...'@ and @"..."@ here-strings (closed at the start of a line) and backtick
    escapes in code. Raises ValueError on an unterminated string or comment.
    """
    out: list[str] = []
    strings: list[tuple[int, str, str]] = []
    here: list[tuple[int, str]] = []
    i, n = 0, len(source)

    def line_of(pos: int) -> int:
        return source.count("\n", 0, pos) + 1

    def blank(text: str) -> str:
        return "".join("\n" if c == "\n" else " " for c in text)

    while i < n:
        c = source[i]
        two = source[i:i + 2]
        if two == "<#":
            end = source.find("#>", i + 2)
            if end < 0:
                raise ValueError(f"unterminated block comment at line {line_of(i)}")
            out.append(blank(source[i:end + 2]))
            i = end + 2
        elif c == "#":
            end = source.find("\n", i)
            end = n if end < 0 else end
            out.append(blank(source[i:end]))
            i = end
        elif two in ("@'", '@"') and source[i + 2:i + 3] in ("\n", "\r"):
            quote = two[1]
            match = re.compile(r"\r?\n" + re.escape(quote) + "@").search(source, i + 2)
            if not match:
                raise ValueError(f"unterminated here-string at line {line_of(i)}")
            here.append((line_of(i), source[i + 3:match.start() + 1]))
            out.append("''" + blank(source[i + 2:match.end()]))
            i = match.end()
        elif c == "'":
            j = i + 1
            while True:
                if j >= n:
                    raise ValueError(f"unterminated single-quoted string at line {line_of(i)}")
                if source[j] == "'":
                    if source[j + 1:j + 2] == "'":
                        j += 2
                        continue
                    break
                j += 1
            strings.append((line_of(i), "'", source[i + 1:j]))
            out.append("'" + blank(source[i + 1:j]) + "'")
            i = j + 1
        elif c == '"':
            j = i + 1
            while True:
                if j >= n:
                    raise ValueError(f"unterminated double-quoted string at line {line_of(i)}")
                if source[j] == "`":
                    j += 2
                    continue
                if source[j] == '"':
                    if source[j + 1:j + 2] == '"':
                        j += 2
                        continue
                    break
                j += 1
            strings.append((line_of(i), '"', source[i + 1:j]))
            out.append('"' + blank(source[i + 1:j]) + '"')
            i = j + 1
        elif c == "`":
            out.append(blank(source[i:i + 2]))
            i += 2
        else:
            out.append(c)
            i += 1
    return Tokenized("".join(out), strings, here)


def bracket_errors(code: str) -> list[str]:
    pairs = {")": "(", "}": "{", "]": "["}
    stack: list[tuple[str, int]] = []
    problems = []
    line = 1
    for ch in code:
        if ch == "\n":
            line += 1
        elif ch in "({[":
            stack.append((ch, line))
        elif ch in ")}]":
            if not stack or stack[-1][0] != pairs[ch]:
                problems.append(f"unexpected {ch!r} at line {line}")
                if stack:
                    stack.pop()
            else:
                stack.pop()
    problems.extend(f"unclosed {ch!r} opened at line {ln}" for ch, ln in stack)
    return problems


def block_after(code: str, start: int) -> str:
    """The text of the brace block that opens at or after `start` (in blanked code)."""
    open_at = code.index("{", start)
    depth = 0
    for pos in range(open_at, len(code)):
        if code[pos] == "{":
            depth += 1
        elif code[pos] == "}":
            depth -= 1
            if depth == 0:
                return code[open_at:pos + 1]
    raise ValueError("unbalanced block")

ALIASES = ["%", r"\?", "where", "select", "foreach", "sort", "gci", "ls", "dir", "gwmi", "iex", "echo",
           "cat", "gc", "gi", "gp", "ni", "ri", "rm", "del", "cp", "mv", "sleep", "measure", "fl", "ft", "group"]

APPROVED_VERBS = {
    "Add", "Clear", "Close", "Copy", "Enter", "Exit", "Find", "Format", "Get", "Hide", "Join", "Lock", "Move",
    "New", "Open", "Optimize", "Pop", "Push", "Redo", "Remove", "Rename", "Reset", "Resize", "Search", "Select",
    "Set", "Show", "Skip", "Split", "Step", "Switch", "Undo", "Unlock", "Watch", "Connect", "Disconnect", "Read",
    "Receive", "Send", "Write", "Backup", "Checkpoint", "Compare", "Compress", "Convert", "ConvertFrom",
    "ConvertTo", "Dismount", "Edit", "Expand", "Export", "Group", "Import", "Initialize", "Limit", "Merge",
    "Mount", "Out", "Publish", "Restore", "Save", "Sync", "Unpublish", "Update", "Debug", "Measure", "Ping",
    "Repair", "Resolve", "Test", "Trace", "Approve", "Assert", "Build", "Complete", "Confirm", "Deny", "Deploy",
    "Disable", "Enable", "Install", "Invoke", "Register", "Request", "Restart", "Resume", "Start", "Stop",
    "Submit", "Suspend", "Uninstall", "Unregister", "Wait", "Use", "Block", "Grant", "Protect", "Revoke",
    "Unblock", "Unprotect",
}
