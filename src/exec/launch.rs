//! What program a block runs as: the argument vector for a shell script (wrapped so that
//! the shell reports its state when it ends), for another interpreter, or for a command on
//! another host through the system's `ssh`.

use std::path::Path;

use crate::session::quote::single_quoted;

/// Shells that can report their state with the POSIX builtins the wrapper uses.
const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash"];

/// Runs the block's script in the current shell, then writes the working directory and
/// the exported variables to the state file, using only builtins so that no extra process
/// is started. The EXIT trap also covers a script that calls `exit`; a script that sets its
/// own EXIT trap and exits early keeps its trap, and the session keeps its earlier state.
/// `$1` is the state file; `$0` (the script's path) keeps `$0` meaningful in the script.
const WRAPPER: &str = concat!(
    "__cairn_state=$1; shift; __cairn_saved=; ",
    "__cairn_save() { __cairn_rc=$?; ",
    "if [ -z \"$__cairn_saved\" ]; then __cairn_saved=1; ",
    "{ printf '%s\\0' \"$PWD\"; export -p; } >\"$__cairn_state\"; fi; ",
    "return $__cairn_rc; }; ",
    "trap __cairn_save EXIT; . \"$0\"; __cairn_save"
);

/// The words of an `interpreter=` value as a shell splits them: `python3 -u` is two words,
/// `python3 -c 'print(1)'` three (quotes and backslashes as in sh; no expansions).
pub fn words(interpreter: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = interpreter.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => words.extend(word.take()),
            '\'' => {
                let word = word.get_or_insert_with(String::new);
                word.extend(chars.by_ref().take_while(|&c| c != '\''));
            }
            '"' => {
                let word = word.get_or_insert_with(String::new);
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(next @ ('"' | '\\' | '$' | '`')) => word.push(next),
                            Some(next) => {
                                word.push('\\');
                                word.push(next);
                            }
                            None => word.push('\\'),
                        },
                        c => word.push(c),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// True when `interpreter` is a POSIX-family shell whose `export`s and `cd`s carry over.
pub fn is_shell(interpreter: &str) -> bool {
    let program = interpreter.split_whitespace().next().unwrap_or_default();
    let name = program.rsplit('/').next().unwrap_or(program);
    SHELLS.contains(&name)
}

/// The argument vector for a script at `script` run here by `interpreter`. Shells also get
/// the state file to fill in.
pub fn local(interpreter: &str, script: &Path, state: Option<&Path>) -> Vec<String> {
    let mut argv = words(interpreter);
    let script = script.to_string_lossy().into_owned();
    match state {
        Some(state) if is_shell(interpreter) => {
            argv.push("-c".into());
            argv.push(WRAPPER.into());
            argv.push(script);
            argv.push(state.to_string_lossy().into_owned());
        }
        _ => argv.push(script),
    }
    argv
}

/// The argument vector that runs `script` on `destination` through ssh. `ssh_command` is
/// the ssh program and its options (`CAIRN_SSH_COMMAND`, like git's `GIT_SSH_COMMAND`).
/// Variables reach the remote shell as `export` lines with single-quoted values, never
/// spliced into the script; the remote shell's state does not carry back.
pub fn remote(
    ssh_command: &str,
    destination: &str,
    terminal: bool,
    interpreter: &str,
    script: &str,
    exports: &[(String, String)],
) -> Vec<String> {
    let mut argv = words(ssh_command);
    if argv.is_empty() {
        argv.push("ssh".into());
    }
    argv.push(if terminal { "-tt" } else { "-T" }.into());
    argv.push("--".into());
    argv.push(destination.into());
    let mut line = String::new();
    for (name, value) in exports {
        line.push_str("export ");
        line.push_str(name);
        line.push('=');
        line.push_str(&single_quoted(value));
        line.push_str("; ");
    }
    let mut interpreter_words = words(interpreter);
    if interpreter_words.is_empty() {
        interpreter_words.push("sh".into());
    }
    for word in &interpreter_words {
        line.push_str(&single_quoted(word));
        line.push(' ');
    }
    line.push_str("-c ");
    line.push_str(&single_quoted(script));
    argv.push(line);
    argv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpreter_words_split_as_a_shell_would() {
        assert_eq!(words("python3 -u"), ["python3", "-u"]);
        assert_eq!(
            words("python3 -c 'print(\"a b\")' \"x \\\"y\\\"\" z\\ w ''"),
            ["python3", "-c", "print(\"a b\")", "x \"y\"", "z w", ""]
        );
        assert!(words("  ").is_empty());
    }

    #[test]
    fn shells_are_known_by_their_basename() {
        assert!(is_shell("bash"));
        assert!(is_shell("/usr/bin/zsh -e"));
        assert!(!is_shell("python3"));
        assert!(!is_shell(""));
    }

    #[test]
    fn a_shell_script_is_wrapped_and_others_are_not() {
        let argv = local("bash", Path::new("/s/1.sh"), Some(Path::new("/s/1.state")));
        assert_eq!(argv[0], "bash");
        assert_eq!(argv[1], "-c");
        assert_eq!(&argv[3..], ["/s/1.sh", "/s/1.state"]);
        let argv = local("python3 -u", Path::new("/s/1.py"), Some(Path::new("/s/x")));
        assert_eq!(argv, ["python3", "-u", "/s/1.py"]);
    }

    #[test]
    fn remote_values_are_quoted_words() {
        let argv = remote(
            "ssh -p 2222",
            "me@db-1",
            true,
            "bash",
            "echo \"$X\"",
            &[("X".into(), "a'b; rm -rf ~".into())],
        );
        assert_eq!(&argv[..5], ["ssh", "-p", "2222", "-tt", "--"]);
        assert_eq!(argv[5], "me@db-1");
        assert_eq!(
            argv[6],
            "export X='a'\\''b; rm -rf ~'; 'bash' -c 'echo \"$X\"'"
        );
    }
}
