//! Destructive commands (`rm -rf`, `DROP TABLE`, `kubectl delete`, `terraform destroy`,
//! `--force`...): recognised from the words of each simple command, so that a cairn live
//! session asks for a typed confirmation even when the author forgot `confirm`.

use super::shell::{scan, ShellScan, Word};

/// Why `command` is destructive, if it is: a short phrase naming the culprit.
pub fn destructive_reason(command: &str) -> Option<String> {
    destructive_reason_scanned(command, &scan(command))
}

/// `destructive_reason` for a command already scanned.
pub fn destructive_reason_scanned(command: &str, scanned: &ShellScan) -> Option<String> {
    scanned
        .commands()
        .find_map(|words| {
            destructive_words(Words {
                text: command,
                words,
            })
        })
        .or_else(|| sql_reason(command, &scanned.comments))
}

/// The words of one simple command. Their text is read only where a check needs it: most
/// checks look at the first words, and `has` compares lengths before any text.
#[derive(Clone, Copy)]
struct Words<'t> {
    text: &'t str,
    words: &'t [Word],
}

impl<'t> Words<'t> {
    fn get(self, index: usize) -> Option<&'t str> {
        let word = self.words.get(index)?;
        Some(&self.text[word.start..word.end])
    }

    fn iter(self) -> impl Iterator<Item = &'t str> {
        self.words
            .iter()
            .map(move |word| &self.text[word.start..word.end])
    }

    /// Whether one of the words is `flag`.
    fn has(self, flag: &str) -> bool {
        self.words.iter().any(|word| {
            word.end - word.start == flag.len()
                && &self.text.as_bytes()[word.start..word.end] == flag.as_bytes()
        })
    }
}

fn destructive_words(words: Words) -> Option<String> {
    // Look past wrappers: `sudo rm`, `env X=1 kubectl delete`, `xargs rm`.
    let mut start = 0;
    while let Some(word) = words.get(start) {
        let wrapper = matches!(
            word,
            "sudo" | "env" | "nohup" | "xargs" | "exec" | "time" | "command"
        ) || word.starts_with('-') && start > 0
            || word.contains('=') && !word.starts_with('-');
        if !wrapper {
            break;
        }
        start += 1;
    }
    let words = Words {
        words: words.words.get(start..).unwrap_or_default(),
        ..words
    };
    let word = words.get(0)?;
    let program = memchr::memrchr(b'/', word.as_bytes()).map_or(word, |slash| &word[slash + 1..]);
    let has = |flag: &str| words.has(flag);
    let has_short = |letter: char| {
        words
            .iter()
            .any(|word| word.starts_with('-') && !word.starts_with("--") && word.contains(letter))
    };
    let sub = words.get(1).unwrap_or("");
    let reason = match program {
        "rm" if has_short('r') || has_short('R') || has("--recursive") => "rm -r".to_string(),
        "rm" if has_short('f') || has("--force") => "rm -f".to_string(),
        "rmdir" | "shred" | "mkfs" | "wipefs" | "fdisk" | "parted" | "shutdown" | "reboot"
        | "halt" | "poweroff" | "killall" | "pkill" | "dropdb" | "dropuser" => program.to_string(),
        name if name.starts_with("mkfs.") => name.to_string(),
        "dd" if words.iter().any(|word| word.starts_with("of=")) => "dd of=".to_string(),
        "kill" if has("-9") || has("-KILL") || has("-SIGKILL") => "kill -9".to_string(),
        "truncate" => "truncate".to_string(),
        "kubectl" | "oc" if matches!(sub, "delete" | "drain" | "replace") => {
            format!("{program} {sub}")
        }
        "kubectl" | "oc" if sub == "scale" && has("--replicas=0") => {
            format!("{program} scale --replicas=0")
        }
        "helm" if matches!(sub, "uninstall" | "delete" | "rollback") => format!("helm {sub}"),
        "terraform" | "tofu" if sub == "destroy" => format!("{program} destroy"),
        "terraform" | "tofu"
            if sub == "apply" && (has("-auto-approve") || has("--auto-approve")) =>
        {
            format!("{program} apply -auto-approve")
        }
        "git" if sub == "push" && (has("--force") || has("-f") || has("--force-with-lease")) => {
            "git push --force".to_string()
        }
        "git" if sub == "reset" && has("--hard") => "git reset --hard".to_string(),
        "git" if sub == "clean" && has_short('f') => "git clean -f".to_string(),
        "docker" | "podman" if matches!(sub, "rm" | "rmi") && has_short('f') => {
            format!("{program} {sub} -f")
        }
        "docker" | "podman" if sub == "system" && words.get(2) == Some("prune") => {
            format!("{program} system prune")
        }
        "docker" | "podman" if sub == "volume" && matches!(words.get(2), Some("rm" | "prune")) => {
            format!("{program} volume rm")
        }
        "aws"
            if words
                .iter()
                .any(|w| w.starts_with("delete-") || w.starts_with("terminate-") || w == "rb")
                || (sub == "s3" && words.get(2) == Some("rm")) =>
        {
            "aws delete".to_string()
        }
        "gcloud" | "az" if has("delete") => format!("{program} delete"),
        "redis-cli"
            if words.iter().any(|w| {
                w.eq_ignore_ascii_case("flushall") || w.eq_ignore_ascii_case("flushdb")
            }) =>
        {
            "redis-cli FLUSHALL".to_string()
        }
        "systemctl" if matches!(sub, "stop" | "disable" | "mask" | "kill") => {
            format!("systemctl {sub}")
        }
        "iptables" | "nft" if has("-F") || has("--flush") || sub == "flush" => {
            format!("{program} flush")
        }
        "crontab" if has("-r") => "crontab -r".to_string(),
        "chmod" | "chown" if has_short('R') && has("/") => {
            format!("{program} -R /")
        }
        _ if has("--force") => "--force".to_string(),
        _ if has("--hard") => "--hard".to_string(),
        _ => return None,
    };
    Some(reason)
}

/// SQL that destroys data, wherever it appears (psql -c, heredocs, sql blocks run by psql).
fn sql_reason(command: &str, comments: &[(usize, usize)]) -> Option<String> {
    // Most commands hold none of the keywords: skip the copies below for them.
    if !mentions_sql_keyword(command) {
        return None;
    }
    // The command without its comments, built in one pass.
    let mut code = String::with_capacity(command.len());
    let mut at = 0;
    for &(start, end) in comments {
        code.push_str(command.get(at..start).unwrap_or(""));
        at = end.max(at);
    }
    code.push_str(command.get(at..).unwrap_or(""));
    let upper = code.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty())
        .collect();
    for pair in words.windows(2) {
        match (pair[0], pair[1]) {
            (
                "DROP",
                "TABLE" | "DATABASE" | "SCHEMA" | "INDEX" | "VIEW" | "USER" | "ROLE" | "KEYSPACE"
                | "COLLECTION",
            ) => return Some(format!("DROP {}", pair[1])),
            ("TRUNCATE", "TABLE") => return Some("TRUNCATE TABLE".to_string()),
            ("DELETE", "FROM") if !upper.contains("WHERE") => {
                return Some("DELETE without WHERE".to_string())
            }
            _ => {}
        }
    }
    if words.windows(2).any(|pair| pair == ["DELETE", "FROM"]) {
        return Some("DELETE FROM".to_string());
    }
    None
}

/// Whether `command` holds `drop`, `delete` or `truncate` in any case. Each keyword is
/// looked for from a letter that is rare in commands: both `d` words from their `d`, and
/// `truncate` from its `u` (`t` is among the commonest letters).
fn mentions_sql_keyword(command: &str) -> bool {
    let bytes = command.as_bytes();
    let at = |start: usize, word: &[u8]| {
        bytes
            .get(start..start + word.len())
            .is_some_and(|found| found.eq_ignore_ascii_case(word))
    };
    memchr::memchr2_iter(b'd', b'D', bytes).any(|start| at(start, b"drop") || at(start, b"delete"))
        || memchr::memchr2_iter(b'u', b'U', bytes)
            .any(|u| u.checked_sub(2).is_some_and(|start| at(start, b"truncate")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_destructive_commands() {
        for (command, reason) in [
            ("rm -rf /var/lib/x", "rm -r"),
            ("sudo rm -fr ./cache", "rm -r"),
            ("kubectl delete pod web-1 -n prod", "kubectl delete"),
            ("terraform destroy -target=x", "terraform destroy"),
            ("git push --force origin main", "git push --force"),
            ("psql -c 'DROP TABLE orders'", "DROP TABLE"),
            ("echo x | xargs rm -r", "rm -r"),
            ("helm upgrade x --force", "--force"),
            ("FOO=1 kubectl drain node-1", "kubectl drain"),
            ("mysql -e \"delete from users\"", "DELETE without WHERE"),
            ("psql -c 'Truncate Table t'", "TRUNCATE TABLE"),
        ] {
            assert_eq!(
                destructive_reason(command).as_deref(),
                Some(reason),
                "{command}"
            );
        }
    }

    #[test]
    fn leaves_safe_commands_alone() {
        for command in [
            "ls -la",
            "kubectl get pods",
            "rm file.txt",
            "echo 'rm -rf /' # a quote, not a command",
            "grep -r delete .",
            "psql -c 'select * from orders' # DROP TABLE in a comment",
            "git push origin main",
        ] {
            assert_eq!(destructive_reason(command), None, "{command}");
        }
    }
}
