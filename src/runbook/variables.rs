//! Shell variables in commands: which ones a block reads, which it sets for later blocks,
//! which names are secrets, and which are so well known that nobody should be asked for them.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use serde::Serialize;

use super::front_matter::FrontMatter;
use super::model::{Block, BlockKind};
use super::options::is_identifier;
use super::shell::ShellScan;

/// A Runme-style `export VAR=...` line: the operator is asked for its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PromptEnv {
    pub name: String,
    /// `export VAR="default"`: offered as the answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// `export VAR=Enter the value`: an unquoted text with spaces is the question.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
}

/// What a block's commands do with variables.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VariableUse {
    /// Read before being set within the block (unique, in order of first use).
    pub reads: Vec<String>,
    /// Set by the block (exports, assignments, `read`), unique, in order.
    pub sets: Vec<String>,
    pub prompt_env: Vec<PromptEnv>,
}

/// Names ending like these hold secrets: masked when typed, redacted when stored.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["TOKEN", "PASSWORD", "SECRET", "KEY"]
        .iter()
        .any(|suffix| upper == *suffix || upper.ends_with(&format!("_{suffix}")))
}

/// Set by the shell or the login session; never asked for.
pub fn is_well_known(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "HOME",
        "USER",
        "LOGNAME",
        "PATH",
        "PWD",
        "OLDPWD",
        "SHELL",
        "TERM",
        "LANG",
        "HOSTNAME",
        "HOSTTYPE",
        "OSTYPE",
        "MACHTYPE",
        "TMPDIR",
        "EDITOR",
        "VISUAL",
        "PAGER",
        "UID",
        "EUID",
        "GID",
        "GROUPS",
        "PPID",
        "RANDOM",
        "SECONDS",
        "LINENO",
        "IFS",
        "PS1",
        "PS2",
        "PS3",
        "PS4",
        "COLUMNS",
        "LINES",
        "DISPLAY",
        "TZ",
        "MAIL",
        "OPTARG",
        "OPTIND",
        "OPTERR",
        "REPLY",
        "PIPESTATUS",
        "FUNCNAME",
        "HISTFILE",
        "HISTSIZE",
        "SHLVL",
        "COLORTERM",
        "NO_COLOR",
        "EPOCHSECONDS",
        "EPOCHREALTIME",
        "SRANDOM",
        "HOSTFILE",
        "CDPATH",
        "PROMPT_COMMAND",
    ];
    const PREFIXES: &[&str] = &["BASH", "LC_", "SSH_", "XDG_", "CAIRN_", "ZSH_", "COMP_"];
    NAMES.contains(&name) || PREFIXES.iter().any(|prefix| name.starts_with(prefix))
}

/// Commands whose arguments name variables they set.
const DECLARERS: &[&str] = &["export", "declare", "local", "readonly", "typeset"];

/// What a block's commands do with variables, built one command at a time.
#[derive(Debug, Default)]
pub struct VariableAnalysis {
    reads: UniqueNames,
    sets: UniqueNames,
    prompt_env: Vec<PromptEnv>,
}

impl VariableAnalysis {
    /// Adds the next command of the block.
    pub fn add(&mut self, command: &str, scanned: &ShellScan) {
        // Most commands set nothing: then nothing is allocated here.
        let found = definitions(command, scanned);
        // The first offset where each name is set: a read counts when no set precedes it.
        // `found` is in order of offset, so that is where the name is first found; only a
        // command that sets many names gets an index.
        let index: Option<HashMap<&str, usize>> = (found.len() > INDEXED_FROM).then(|| {
            let mut index = HashMap::default();
            for &(name, offset) in &found {
                index.entry(name).or_insert(offset);
            }
            index
        });
        let first_set = |name: &str| match &index {
            Some(index) => index.get(name).copied(),
            None => found
                .iter()
                .find(|(found, _)| *found == name)
                .map(|&(_, offset)| offset),
        };
        for expansion in &scanned.expansions {
            let name = expansion.name(command);
            let set_before =
                first_set(name).is_some_and(|at| at < expansion.offset) || self.sets.contains(name);
            if !expansion.has_default && !set_before && !is_well_known(name) {
                self.reads.insert(name);
            }
        }
        for &(name, _) in &found {
            self.sets.insert(name);
        }
        // Only a line that starts with `export` can be a Runme prompt; most commands hold
        // no `export` at all, and are not split into lines.
        if command.contains("export") {
            let exports = command
                .lines()
                .filter(|line| line.trim_start().starts_with("export"));
            self.prompt_env.extend(exports.filter_map(prompt_env));
        }
    }

    /// The analysis of the commands added so far; the analysis is then empty again, ready
    /// (with its allocations) for another block.
    pub fn finish(&mut self) -> VariableUse {
        VariableUse {
            reads: self.reads.take(),
            sets: self.sets.take(),
            prompt_env: std::mem::take(&mut self.prompt_env),
        }
    }
}

/// Past this many names, lookups go through a hash index rather than a scan.
const INDEXED_FROM: usize = 16;

/// Names without repeats, in the order first added. A block uses a handful, which a scan
/// finds faster than a hash (and without copying each name twice); the index is built
/// only for blocks with many.
#[derive(Debug, Default)]
struct UniqueNames {
    names: Vec<String>,
    index: HashSet<String>,
}

impl UniqueNames {
    fn contains(&self, name: &str) -> bool {
        if self.names.len() < INDEXED_FROM {
            self.names.iter().any(|known| known == name)
        } else {
            self.index.contains(name)
        }
    }

    /// Adds `name` unless it is there already.
    fn insert(&mut self, name: &str) {
        if self.contains(name) {
            return;
        }
        self.names.push(name.to_string());
        match self.names.len() {
            INDEXED_FROM => self.index.extend(self.names.iter().cloned()),
            count if count > INDEXED_FROM => {
                self.index.insert(name.to_string());
            }
            _ => {}
        }
    }

    /// The names, leaving this empty (with its index's allocation).
    fn take(&mut self) -> Vec<String> {
        if !self.index.is_empty() {
            self.index.clear();
        }
        std::mem::take(&mut self.names)
    }
}

/// The variables a runbook defines, as its blocks are read in document order: params and
/// front-matter `env` first, then each command block's exports, captures and prompts.
#[derive(Debug)]
pub struct Definitions {
    names: HashSet<String>,
}

impl Definitions {
    pub fn new(front_matter: &FrontMatter) -> Self {
        let params = front_matter.params.iter().map(|param| param.name.clone());
        let env = front_matter.env.iter().map(|(name, _)| name.clone());
        Definitions {
            names: params.chain(env).collect(),
        }
    }

    /// Fills in a command block's `undefined`: the variables it reads that nothing before it
    /// defines. Then counts what the block defines, for the blocks after it.
    pub fn read(&mut self, block: &mut Block) {
        if block.kind != BlockKind::Command {
            return;
        }
        block.undefined = block
            .variables
            .iter()
            .filter(|name| !self.names.contains(*name))
            .cloned()
            .collect();
        self.names.extend(block.defines.iter().cloned());
        let prompted = block.prompt_env.iter().map(|prompt| prompt.name.clone());
        self.names.extend(prompted);
    }
}

/// Every variable a command sets, with the offset where it is set, in order of offset.
fn definitions<'t>(text: &'t str, scanned: &ShellScan) -> Vec<(&'t str, usize)> {
    let mut found = Vec::new();
    let words = &scanned.words;
    let mut index = 0;
    while index < words.len() {
        let word = &words[index];
        let word_text = &text[word.start..word.end];
        if !word.command_start {
            index += 1;
            continue;
        }
        if let Some(name) = assigned_name(word_text) {
            found.push((name, word.start));
            index += 1;
            continue;
        }
        let arguments = words[index + 1..]
            .iter()
            .take_while(|next| !next.command_start)
            .map(|next| (&text[next.start..next.end], next.start));
        match word_text {
            // Runme's `export VAR=Prompt text`: the words after the first are the question.
            "export" if is_runme_prompt(text, word) => {
                if let Some((argument, at)) = arguments.into_iter().next() {
                    if let Some(name) = assigned_name(argument) {
                        found.push((name, at));
                    }
                }
            }
            declarer if DECLARERS.contains(&declarer) => {
                for (argument, at) in arguments.filter(|(argument, _)| !argument.starts_with('-')) {
                    let name = assigned_name(argument).unwrap_or(argument);
                    if is_identifier(name) {
                        found.push((name, at));
                    }
                }
            }
            "read" | "mapfile" | "readarray" => {
                let mut skip_next = false;
                for (argument, at) in arguments {
                    if skip_next {
                        skip_next = false;
                    } else if argument.starts_with('-') {
                        // Options that take a value: -p prompt, -t timeout, -d delim...
                        skip_next = matches!(
                            argument,
                            "-p" | "-t"
                                | "-d"
                                | "-n"
                                | "-N"
                                | "-u"
                                | "-i"
                                | "-C"
                                | "-c"
                                | "-O"
                                | "-s"
                        );
                        if argument == "-a" {
                            continue;
                        }
                    } else if is_identifier(argument) {
                        found.push((argument, at));
                    }
                }
            }
            "for" | "select" => {
                if let Some((name, at)) = arguments.into_iter().next() {
                    if is_identifier(name) {
                        found.push((name, at));
                    }
                }
            }
            "printf" => {
                let arguments: Vec<_> = arguments.collect();
                if let Some(position) = arguments.iter().position(|(argument, _)| *argument == "-v")
                {
                    if let Some((name, at)) = arguments.get(position + 1) {
                        if is_identifier(name) {
                            found.push((name, *at));
                        }
                    }
                }
            }
            "getopts" => {
                if let Some((name, at)) = arguments.into_iter().nth(1) {
                    if is_identifier(name) {
                        found.push((name, at));
                    }
                }
            }
            _ => {}
        }
        index += 1;
    }
    found
}

/// Whether the `export` at `word` is a whole line in Runme's prompt form.
fn is_runme_prompt(text: &str, word: &super::shell::Word) -> bool {
    // Only an `export` that starts its line can be one; look back over blanks only, so that
    // a line of many `export`s costs no more than the line.
    let before = text[..word.start].trim_end_matches([' ', '\t']);
    if !(before.is_empty() || before.ends_with('\n')) {
        return false;
    }
    let line_end = text[word.start..]
        .find('\n')
        .map_or(text.len(), |newline| word.start + newline);
    prompt_env(&text[before.len()..line_end]).is_some_and(|prompt| prompt.prompt.is_some())
}

/// `NAME=value` or `NAME+=value`: the name.
fn assigned_name(word: &str) -> Option<&str> {
    let eq = word.find('=')?;
    let name = word[..eq].trim_end_matches('+');
    is_identifier(name).then_some(name)
}

/// Reads `export NAME=...` the way Runme's promptEnv does.
/// The Runme prompt a line such as `export NS="default"` makes, if it makes one.
pub fn prompt_env(line: &str) -> Option<PromptEnv> {
    let rest = line.trim().strip_prefix("export")?;
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let rest = rest.trim_start();
    let eq = rest.find('=')?;
    let name = &rest[..eq];
    if !is_identifier(name) {
        return None;
    }
    let value = rest[eq + 1..].trim();
    // Computed values and shell syntax are not questions.
    if value.contains(['$', '`', ';', '|', '&', '<', '>', '(', ')']) {
        return None;
    }
    let quoted = |quote: char| {
        value
            .strip_prefix(quote)
            .and_then(|inner| inner.strip_suffix(quote))
            .map(str::to_string)
    };
    let (default, prompt) = if let Some(inner) = quoted('"').or_else(|| quoted('\'')) {
        (Some(inner), None)
    } else if value.starts_with(['"', '\'']) {
        // Quoted, then more words: ordinary shell (`export A='1' B`).
        return None;
    } else if value
        .split_whitespace()
        .skip(1)
        .any(|word| word.contains('='))
    {
        // `export REGION=eu-west-1 ZONE=b`: several assignments, not a question.
        return None;
    } else if value.contains(' ') {
        (None, Some(value.to_string()))
    } else {
        (Some(value.to_string()), None)
    };
    Some(PromptEnv {
        name: name.to_string(),
        default,
        prompt,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::shell::scan;

    fn analyse_texts(commands: &[&str]) -> VariableUse {
        let mut analysis = VariableAnalysis::default();
        for command in commands {
            analysis.add(command, &scan(command));
        }
        analysis.finish()
    }

    fn reads(commands: &[&str]) -> Vec<String> {
        analyse_texts(commands).reads
    }

    fn sets(commands: &[&str]) -> Vec<String> {
        analyse_texts(commands).sets
    }

    #[test]
    fn reads_skip_quotes_defaults_and_well_known_names() {
        assert_eq!(
            reads(&["echo $DB_HOST ${PORT} '$NOT' \\$ALSO_NOT $HOME ${X:-1}"]),
            ["DB_HOST", "PORT"]
        );
        assert_eq!(reads(&["echo \"$(kubectl get pod -n $NS)\""]), ["NS"]);
        assert_eq!(
            reads(&["for i in 1 2; do echo $i; done"]),
            Vec::<String>::new()
        );
        assert_eq!(reads(&["X=1; echo $X $Y"]), ["Y"]);
        assert_eq!(reads(&["echo $X; X=1"]), ["X"]);
        assert_eq!(
            reads(&["read -r -p 'Name? ' NAME && echo $NAME"]),
            Vec::<String>::new()
        );
        assert_eq!(
            reads(&["cat <<'EOF'\n$LITERAL\nEOF\necho $AFTER"]),
            ["AFTER"]
        );
        assert_eq!(reads(&["cat <<EOF\n$EXPANDED\nEOF"]), ["EXPANDED"]);
        assert_eq!(reads(&["echo $1 $? $@ $#"]), Vec::<String>::new());
    }

    #[test]
    fn sets_come_from_exports_assignments_and_reads() {
        assert_eq!(
            sets(&[
                "export A=1; export B",
                "C=2 cmd",
                "read -r D",
                "declare -x E=1",
                "printf -v F %s x"
            ]),
            ["A", "B", "C", "D", "E", "F"]
        );
    }

    #[test]
    fn comments_are_not_read() {
        assert_eq!(reads(&["ls # uses $NOPE"]), Vec::<String>::new());
    }

    #[test]
    fn runme_prompt_lines_define_only_their_variable() {
        assert_eq!(
            sets(&["export PROJECT_ID=Enter your project id"]),
            ["PROJECT_ID"]
        );
        // Runme reads any unquoted value with spaces as a question, so B is no export here.
        assert_eq!(sets(&["export A=1 B"]), ["A"]);
        assert_eq!(sets(&["export A='1' B"]), ["A", "B"]);
    }

    #[test]
    fn runme_prompt_env() {
        let result = analyse_texts(&[
            "export NS=\"default\"\nexport TOKEN=Enter your token\nexport X=$(date)",
        ]);
        assert_eq!(
            result.prompt_env,
            vec![
                PromptEnv {
                    name: "NS".into(),
                    default: Some("default".into()),
                    prompt: None
                },
                PromptEnv {
                    name: "TOKEN".into(),
                    default: None,
                    prompt: Some("Enter your token".into())
                },
            ]
        );
    }

    #[test]
    fn secret_names() {
        assert!(is_secret_name("API_TOKEN"));
        assert!(is_secret_name("db_password"));
        assert!(is_secret_name("SSH_KEY"));
        assert!(!is_secret_name("KEYBOARD"));
        assert!(!is_secret_name("MONKEY"));
    }
}
