//! Console transcripts: blocks where commands carry a prompt (`$ `, `user@host:~$ `,
//! `[root@db1 ~]# `...) and the other lines are what the commands print. Splits such a block
//! into commands (with their continuations and here-document bodies) and expected output,
//! reading prompts as a person would. REPL prompts (`postgres=#`, `mysql>`) are not shell.

use super::shell::{heredoc_delimiters, QuoteState};
use super::source::OffsetMap;

/// One command taken from a transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsoleCommand {
    pub text: String,
    /// Where each piece of `text` came from in the block content.
    pub pieces: OffsetMap,
    /// `$web-1 uptime`: the host the command is tagged for.
    pub host: Option<String>,
}

impl ConsoleCommand {
    /// Maps an offset in `text` back to an offset in the block content.
    pub fn content_offset(&self, offset: usize) -> usize {
        self.pieces.map(offset).unwrap_or(0)
    }

    fn push_line(&mut self, text: &str, content_offset: usize) {
        self.text.push('\n');
        self.pieces.push(self.text.len(), content_offset);
        self.text.push_str(text);
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transcript {
    pub commands: Vec<ConsoleCommand>,
    pub expected: Option<String>,
}

/// How to read prompts in one block.
#[derive(Clone, Copy, Debug)]
pub struct PromptRules {
    /// `console` / `shell-session`: `# ` is a root prompt, not a comment.
    pub console_lang: bool,
    /// `$host cmd` tags are read (console and untagged blocks).
    pub host_tags: bool,
}

/// Splits `content` into commands and output when at least one line carries a shell prompt;
/// `None` when none does (the block is then a plain script).
pub fn extract(content: &str, rules: PromptRules) -> Option<Transcript> {
    if !has_prompt(content, rules) {
        return None;
    }
    let mut transcript = Transcript::default();
    let mut expected = ExpectedOutput::default();
    let mut current: Option<ConsoleCommand> = None;
    let mut heredocs: Vec<(String, bool)> = Vec::new();
    let mut root = false;
    let mut saw_prompt = false;
    // The quoting of the current command, followed line by line.
    let mut quotes = QuoteState::default();
    let mut offset = 0;
    for raw_line in content.split_inclusive('\n') {
        let line_offset = offset;
        offset += raw_line.len();
        let line = raw_line.trim_end_matches(['\n', '\r']);
        if let Some(command) = current.as_mut() {
            let (continuation, skip) = strip_continuation_prompt(line);
            if !heredocs.is_empty() {
                command.push_line(continuation, line_offset + skip);
                let (delimiter, strip_tabs) = &heredocs[0];
                let body = if *strip_tabs {
                    continuation.trim_start_matches('\t')
                } else {
                    continuation
                };
                if body.trim_end() == delimiter {
                    heredocs.remove(0);
                }
                continue;
            }
            // A backslash continues the line only where the shell reads it so: not in a
            // comment, and not when it is itself escaped (`echo a\\`). After a here-document
            // the text ends with its delimiter, which continues nothing.
            let backslash = command.text.ends_with('\\') && quotes.continues_line();
            let continues = backslash || quotes.is_open() || skip > 0;
            if continues {
                command.push_line(continuation, line_offset + skip);
                quotes.feed(continuation);
                if continuation.contains("<<") {
                    heredocs.extend(heredoc_delimiters(continuation));
                }
                continue;
            }
        }
        if let Some((strip, host)) = prompt(line, rules, root) {
            saw_prompt = true;
            transcript.commands.extend(current.take());
            let rest = &line[strip..];
            if rest.trim().is_empty() {
                continue;
            }
            let command_text = rest.trim_end();
            root = next_root_mode(root, command_text);
            heredocs = if command_text.contains("<<") {
                heredoc_delimiters(command_text)
            } else {
                Vec::new()
            };
            quotes = QuoteState::default();
            quotes.feed(command_text);
            current = Some(ConsoleCommand {
                text: command_text.to_string(),
                pieces: OffsetMap::starting_at(line_offset + strip),
                host,
            });
            continue;
        }
        transcript.commands.extend(current.take());
        heredocs.clear();
        if !rules.console_lang && !root && line.trim_start().starts_with('#') {
            continue; // a comment in a prompted shell block
        }
        expected.push(line, content.len() - line_offset);
    }
    transcript.commands.extend(current.take());
    if !saw_prompt {
        return None;
    }
    transcript.expected = expected.finish();
    Some(transcript)
}

/// The output lines of a transcript, joined as they come, less the blank lines before the
/// first line that is not blank and after the last.
#[derive(Default)]
struct ExpectedOutput {
    text: String,
    /// The length of `text` up to the end of its last line that is not blank.
    kept: usize,
}

impl ExpectedOutput {
    /// Adds `line`; `room` bounds the bytes of all lines still to come, this one included,
    /// so that the text is allocated once.
    fn push(&mut self, line: &str, room: usize) {
        let blank = line.trim().is_empty();
        if self.text.is_empty() {
            // Nothing kept yet (a first line is never blank).
            if blank {
                return;
            }
            self.text.reserve(room);
        } else {
            self.text.push('\n');
        }
        self.text.push_str(line);
        if !blank {
            self.kept = self.text.len();
        }
    }

    fn finish(mut self) -> Option<String> {
        self.text.truncate(self.kept);
        (!self.text.is_empty()).then_some(self.text)
    }
}

/// Whether some line of `content` starts with a shell prompt: the question `extract` answers
/// first, since most blocks hold none. Until the first prompt no line continues a command
/// and no root shell is open, so each line is read as `extract` would read it.
fn has_prompt(content: &str, rules: PromptRules) -> bool {
    let bytes = content.as_bytes();
    let mut from = 0;
    // `prompt` reads only lines holding one of its six bytes (`$ # @` anywhere, or `% ~ [`
    // first): jump from one such line to the next, skipping the others unread.
    while from < bytes.len() {
        let rest = &bytes[from..];
        let anywhere = memchr::memchr3(b'$', b'#', b'@', rest);
        let first_only = memchr::memchr3(b'%', b'~', b'[', &rest[..anywhere.unwrap_or(rest.len())]);
        let Some(found) = first_only.or(anywhere) else {
            return false;
        };
        let at = from + found;
        let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |n| n + 1);
        let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |n| at + n);
        if prompt(content[start..end].trim_end_matches('\r'), rules, false).is_some() {
            return true;
        }
        from = end + 1;
    }
    false
}

/// `shell_prompt`, which most lines are spared: a line can start with a prompt only when it
/// starts (after blanks) with a prompt symbol, or holds the `@` of `user@host` or the `$`
/// or `#` that ends every other form.
fn prompt(line: &str, rules: PromptRules, root: bool) -> Option<(usize, Option<String>)> {
    let bytes = line.as_bytes();
    let could_be = match bytes.iter().find(|&&byte| byte != b' ' && byte != b'\t') {
        Some(b'$' | b'%' | b'#' | b'~' | b'[') => true,
        Some(_) => memchr::memchr3(b'@', b'$', b'#', bytes).is_some(),
        None => false,
    };
    if could_be {
        shell_prompt(line, rules, root)
    } else {
        None
    }
}

/// `> ` (the shell's PS2) at the start of a continuation line; returns the rest and the
/// bytes skipped (0 when there is no such prompt).
fn strip_continuation_prompt(line: &str) -> (&str, usize) {
    if let Some(rest) = line.strip_prefix("> ") {
        (rest, 2)
    } else if line == ">" {
        ("", 1)
    } else {
        (line, 0)
    }
}

/// `sudo -i`, `sudo su -`, `su -`, `oc debug node/x`: later `# ` lines are root prompts
/// until `exit`.
fn next_root_mode(root: bool, command: &str) -> bool {
    // The first word decides, and most commands start with none of these: the command is
    // split into words only for those that do.
    let trimmed = command.trim_start();
    let first = &trimmed[..trimmed.find(char::is_whitespace).unwrap_or(trimmed.len())];
    let words = || command.split_whitespace().skip(1);
    match first {
        "exit" | "logout" => false,
        // `su -c cmd` and `sudo sh -c cmd` run one command; only a shell left open is root.
        "su" => !words().any(|word| word == "-c"),
        "sudo" => {
            let one_shot = words().any(|word| word == "-c");
            root || (!one_shot
                && words()
                    .any(|word| matches!(word, "-i" | "-s" | "su" | "bash" | "sh" | "-is" | "-si")))
        }
        "oc" | "kubectl" => root || words().next() == Some("debug"),
        _ => root,
    }
}

/// When `line` starts with a shell prompt: how many bytes the prompt takes, and the host tag.
pub fn shell_prompt(line: &str, rules: PromptRules, root: bool) -> Option<(usize, Option<String>)> {
    let trimmed = line.trim_start_matches([' ', '\t']);
    let lead = line.len() - trimmed.len();
    let bytes = trimmed.as_bytes();
    let after = |at: usize| -> Option<usize> {
        // A prompt symbol must be followed by a space or the end of the line.
        match bytes.get(at) {
            None => Some(lead + at),
            Some(b' ') => Some(lead + at + 1),
            _ => None,
        }
    };
    match bytes.first()? {
        b'$' | b'%' => {
            if let Some(strip) = after(1) {
                return Some((strip, None));
            }
            if bytes[0] == b'$' && rules.host_tags {
                return host_tag(trimmed).map(|(strip, host)| (lead + strip, Some(host)));
            }
            return None;
        }
        b'#' => {
            if rules.console_lang || root {
                return after(1).map(|strip| (strip, None));
            }
            return None;
        }
        b'~' => {
            // `~ `, `~$ `, `~/src# `
            if let Some(strip) = after(1) {
                return Some((strip, None));
            }
            let end = trimmed.find(' ')?;
            let symbol = *bytes.get(end.checked_sub(1)?)?;
            return (matches!(symbol, b'$' | b'#' | b'%') && !trimmed[..end].contains(['\'', '"']))
                .then_some((lead + end + 1, None));
        }
        b'[' => {
            let close = trimmed.get(..80.min(trimmed.len()))?.find(']')?;
            let inside = &trimmed[1..close];
            if !(inside.contains('@') || inside.contains(' ')) {
                return None;
            }
            if matches!(bytes.get(close + 1), Some(b'$' | b'#' | b'%')) {
                return after(close + 2).map(|strip| (strip, None));
            }
            return None;
        }
        _ => {}
    }
    // sh-5.1# , bash-4.2$ , bash$
    for shell in ["bash", "zsh", "ksh", "dash", "sh"] {
        if let Some(rest) = trimmed.strip_prefix(shell) {
            let version = rest.strip_prefix('-').map_or(0, |v| {
                1 + v
                    .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                    .unwrap_or(v.len())
            });
            let at = shell.len() + version;
            if matches!(bytes.get(at), Some(b'$' | b'#')) {
                return after(at + 1).map(|strip| (strip, None));
            }
        }
    }
    // user@host:~/path$ , user@host $ , root@db-1:/#
    let user_end =
        trimmed.find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '-')))?;
    if user_end == 0 || bytes.get(user_end) != Some(&b'@') {
        return None;
    }
    let host_start = user_end + 1;
    let host_len = trimmed[host_start..]
        .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '-')))
        .unwrap_or(trimmed.len() - host_start);
    if host_len == 0 {
        return None;
    }
    let mut at = host_start + host_len;
    if bytes.get(at) == Some(&b':') {
        at += 1;
        while at < bytes.len() && !matches!(bytes[at], b' ' | b'$' | b'#' | b'%') {
            at += 1;
        }
    }
    if bytes.get(at) == Some(&b' ') && matches!(bytes.get(at + 1), Some(b'$' | b'#' | b'%')) {
        at += 1;
    }
    if matches!(bytes.get(at), Some(b'$' | b'#' | b'%')) {
        return after(at + 1).map(|strip| (strip, None));
    }
    None
}

/// `$web-1 systemctl status nginx`: a lower-case host name glued to the `$`.
fn host_tag(trimmed: &str) -> Option<(usize, String)> {
    let rest = trimmed.strip_prefix('$')?;
    if !rest.starts_with(|c: char| c.is_ascii_lowercase()) {
        return None;
    }
    let end = rest.find(|c: char| {
        !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-'))
    })?;
    if !rest[end..].starts_with(' ') || rest[end..].trim().is_empty() {
        return None;
    }
    Some((1 + end + 1, rest[..end].to_string()))
}

/// `postgres=# `, `mydb=> `, `mysql> `, `127.0.0.1:6379> `, `irb(main):001:0> `, `>>> `,
/// `In [3]: `: a prompt of an interactive program, not of a shell.
pub fn is_repl_prompt(line: &str) -> bool {
    let trimmed = line.trim_start();
    if trimmed.starts_with(">>> ") || trimmed == ">>>" || trimmed.starts_with("... ") {
        return true;
    }
    if let Some(rest) = trimmed.strip_prefix("In [") {
        return rest
            .find("]: ")
            .is_some_and(|end| rest[..end].bytes().all(|b| b.is_ascii_digit()));
    }
    let word_end = trimmed
        .find(|c: char| {
            !(c.is_alphanumeric() || matches!(c, '_' | '.' | ':' | '-' | '(' | ')' | '/'))
        })
        .unwrap_or(trimmed.len());
    if word_end == 0 {
        return false;
    }
    let rest = &trimmed[word_end..];
    ["=# ", "=> ", "-# ", "=#", "=>", "> ", ">"]
        .iter()
        .any(|prompt| {
            rest.starts_with(prompt) && (prompt.ends_with(' ') || rest.len() == prompt.len())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONSOLE: PromptRules = PromptRules {
        console_lang: true,
        host_tags: true,
    };
    const BASH: PromptRules = PromptRules {
        console_lang: false,
        host_tags: false,
    };

    fn commands(content: &str, rules: PromptRules) -> Vec<String> {
        extract(content, rules)
            .map(|t| t.commands.into_iter().map(|c| c.text).collect())
            .unwrap_or_default()
    }

    #[test]
    fn prompt_shapes() {
        for line in [
            "$ ls",
            "% ls",
            "~ ls",
            "~/src$ ls",
            "user@host:~$ ls",
            "root@db-1:/var/log# ls",
            "[root@db1 ~]# ls",
            "sh-5.1# ls",
            "bash-4.2$ ls",
            "me@box $ ls",
            "  $ ls",
        ] {
            let (strip, _) = shell_prompt(line, BASH, false).unwrap_or((0, None));
            assert_eq!(&line[strip..], "ls", "{line}");
        }
        for line in [
            "ls",
            "$HOME/bin/x",
            "#comment",
            "# comment",
            "echo $ x",
            "[1]$",
            "user@ ls",
        ] {
            assert_eq!(shell_prompt(line, BASH, false), None, "{line}");
        }
        assert_eq!(shell_prompt("# ls", CONSOLE, false), Some((2, None)));
        assert_eq!(
            shell_prompt("$web-1 uptime", CONSOLE, false),
            Some((7, Some("web-1".into())))
        );
        assert_eq!(shell_prompt("$HOME/x", CONSOLE, false), None);
    }

    #[test]
    fn commands_and_expected_output() {
        let transcript =
            extract("$ echo hi\nhi\n$ ls \\\n  -la\ntotal 0\n\n", BASH).unwrap_or_default();
        let texts: Vec<_> = transcript
            .commands
            .iter()
            .map(|c| c.text.as_str())
            .collect();
        assert_eq!(texts, ["echo hi", "ls \\\n  -la"]);
        assert_eq!(transcript.expected.as_deref(), Some("hi\ntotal 0"));
        assert_eq!(transcript.commands[1].content_offset(5), 20);
    }

    #[test]
    fn heredocs_and_ps2_continuations() {
        assert_eq!(
            commands("$ cat <<EOF > x.yaml\n> a: 1\n> EOF\nout\n", BASH),
            ["cat <<EOF > x.yaml\na: 1\nEOF"]
        );
        assert_eq!(
            commands("$ cat <<EOF\na: $X\nEOF\n$ ls\n", BASH),
            ["cat <<EOF\na: $X\nEOF", "ls"]
        );
        assert_eq!(
            commands("$ psql -c \"select 1\n  from t\"\n", BASH),
            ["psql -c \"select 1\n  from t\""]
        );
        assert_eq!(
            commands("$ for i in 1 2\n> do echo $i\n> done\n1\n2", BASH),
            ["for i in 1 2\ndo echo $i\ndone"]
        );
    }

    #[test]
    fn hash_is_a_root_prompt_only_where_it_should_be() {
        assert_eq!(commands("$ ls\n# a comment\n", BASH), ["ls"]);
        assert_eq!(extract("# just a comment\nls\n", BASH), None);
        assert_eq!(
            commands("# systemctl restart x\n", CONSOLE),
            ["systemctl restart x"]
        );
        assert_eq!(
            commands("$ sudo -i\n# whoami\nroot\n# exit\n$ ls", BASH),
            ["sudo -i", "whoami", "exit", "ls"]
        );
    }

    #[test]
    fn one_shot_root_commands_open_no_shell() {
        // The next `#` line is still a comment.
        assert_eq!(
            commands("$ sudo sh -c 'sync'\n# Now check memory\n$ free -m", BASH),
            ["sudo sh -c 'sync'", "free -m"]
        );
        assert_eq!(
            commands("$ su -c 'id' root\n# note\n$ ls", BASH),
            ["su -c 'id' root", "ls"]
        );
    }

    #[test]
    fn prompts_are_found_on_any_line() {
        for (content, expected) in [
            ("ls\n% ls\n", true),
            ("ls\r\n  ~ ls\r\n", true),
            ("grep '[0-9]' x\nuser@host:~$ ls", true),
            ("echo 50% [ok]\nls ~/x\n", false),
            ("echo $HOME # x\nmail me@example.com\n", false),
            ("ls\n\n[root@db1 ~]# ls", true),
            ("", false),
        ] {
            assert_eq!(has_prompt(content, BASH), expected, "{content:?}");
            let line_by_line = content
                .split('\n')
                .any(|line| prompt(line.trim_end_matches('\r'), BASH, false).is_some());
            assert_eq!(line_by_line, expected, "{content:?}");
        }
    }

    #[test]
    fn repl_prompts_are_not_shell() {
        for line in [
            "postgres=# select 1;",
            "mydb=> \\dt",
            "mysql> show tables;",
            "127.0.0.1:6379> PING",
            "irb(main):001:0> 1",
            ">>> print(1)",
            "In [1]: x",
            "sqlite> .tables",
        ] {
            assert!(is_repl_prompt(line), "{line}");
            assert_eq!(shell_prompt(line, CONSOLE, false), None, "{line}");
        }
        assert!(!is_repl_prompt("ls -la"));
        assert!(!is_repl_prompt("echo a > b"));
    }
}
