//! What attributes mean: turns the raw `Attrs` of a block or a step annotation into typed
//! options, reporting bad values and unknown keys (with a "did you mean" where one is close).

use std::time::Duration;

use serde::{Serialize, Serializer};

use super::attrs::{AttrRef, AttrValue, Attrs};
use super::diagnostic::{Code, Diagnostic};
use super::duration::parse_duration;
use super::model::Phase;
use super::source::Span;
use super::suggest::closest;
use super::text::is_one_of_ignore_ascii_case;

/// A typed confirmation: `confirm` alone, or `confirm="Promote now?"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirm {
    Yes,
    Message(String),
}

impl Serialize for Confirm {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Confirm::Yes => serializer.serialize_bool(true),
            Confirm::Message(message) => serializer.serialize_str(message),
        }
    }
}

/// What a drill does with a block: skip it, or run another command instead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rehearsal {
    Skip,
    Run(String),
}

fn seconds<S: Serializer>(duration: &Option<Duration>, serializer: S) -> Result<S::Ok, S::Error> {
    match duration {
        Some(duration) => serializer.serialize_f64(duration.as_secs_f64()),
        None => serializer.serialize_none(),
    }
}

/// Options set by `<!-- cairn: ... -->` annotations in a step's section.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StepOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm: Option<Confirm>,
    #[serde(
        rename = "timeout_secs",
        serialize_with = "seconds",
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout: Option<Duration>,
    /// The explicit `id=`, if any, and where it is written.
    #[serde(skip)]
    pub id: Option<(String, Span)>,
    /// The explicit `next=` target as written, if any, and where.
    #[serde(skip)]
    pub next: Option<(String, Span)>,
    #[serde(skip)]
    pub phase: Option<Phase>,
}

/// Options of one code block, from its info-string attributes.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BlockOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm: Option<Confirm>,
    #[serde(
        rename = "timeout_secs",
        serialize_with = "seconds",
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout: Option<Duration>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub interactive: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub background: bool,
    /// The variable that receives trimmed stdout (`capture=`, or an UPPER_CASE `name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture: Option<String>,
    /// Exit codes that count as success (empty: only 0).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect_output: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_ok: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_fail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry: Option<u32>,
    #[serde(
        rename = "retry_delay_secs",
        serialize_with = "seconds",
        skip_serializing_if = "Option::is_none"
    )]
    pub retry_delay: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rehearsal: Option<Rehearsal>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub danger: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<String>,
    /// Runme's `excludeFromRunAll`: run only when asked for explicitly.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub exclude_from_run_all: bool,
    /// Runme's `ignore`: never run.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ignore: bool,
    /// Runme's `promptEnv` (default on): ask for `export VAR=...` values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_env: Option<bool>,
    /// Where `on_ok` / `on_fail` are written, for diagnostics about edges.
    #[serde(skip)]
    pub on_ok_span: Option<Span>,
    #[serde(skip)]
    pub on_fail_span: Option<Span>,
}

impl BlockOptions {
    pub fn is_empty(&self) -> bool {
        self == &BlockOptions::default()
    }
}

pub(super) const BLOCK_KEYS: &[&str] = &[
    "name",
    "id",
    "confirm",
    "timeout",
    "interactive",
    "background",
    "capture",
    "expect",
    "expect_output",
    "on_ok",
    "on_fail",
    "retry",
    "retry_delay",
    "host",
    "rehearsal",
    "danger",
    "cwd",
    "interpreter",
    // Runme's keys, accepted with Runme's meaning or ignored where cairn has no use for them.
    "promptEnv",
    "excludeFromRunAll",
    "ignore",
    "category",
    "tag",
    "terminalRows",
    "closeTerminalOnSuccess",
    "mimeType",
    "skipPrompts",
];

const STEP_KEYS: &[&str] = &["id", "next", "confirm", "timeout", "phase", "choose"];

/// Reads a block's attributes; problems go to `diagnostics`.
pub fn block_options(attrs: &Attrs, diagnostics: &mut Vec<Diagnostic>) -> BlockOptions {
    let mut options = BlockOptions::default();
    for attr in &attrs.items {
        let attr = &attr.as_ref();
        let key = attr.key;
        match key {
            "name" => {
                let name = attr.text().into_owned();
                if is_upper_identifier(&name) && options.capture.is_none() {
                    options.capture = Some(name.clone());
                }
                options.name = Some(name);
            }
            "confirm" => options.confirm = confirm(attr),
            "timeout" => options.timeout = duration(attr, diagnostics),
            "interactive" => options.interactive = flag(attr, diagnostics),
            "background" => options.background = flag(attr, diagnostics),
            "capture" => options.capture = identifier(attr, diagnostics),
            "expect" => options.expect = exit_codes(attr, diagnostics),
            "expect_output" => {
                let pattern = attr.text();
                match regex::Regex::new(&pattern) {
                    Ok(_) => options.expect_output = Some(pattern.into_owned()),
                    Err(error) => diagnostics.push(invalid(
                        attr,
                        format!(
                            "`expect_output` is not a valid regular expression: {}",
                            first_line(&error.to_string())
                        ),
                    )),
                }
            }
            "on_ok" => {
                options.on_ok = Some(attr.text().into_owned());
                options.on_ok_span = Some(attr.span);
            }
            "on_fail" => {
                options.on_fail = Some(attr.text().into_owned());
                options.on_fail_span = Some(attr.span);
            }
            "retry" => match attr.text().parse::<u32>() {
                Ok(count) => options.retry = Some(count),
                Err(_) => diagnostics.push(invalid(
                    attr,
                    format!("`retry` takes a count of attempts, not `{}`", attr.text()),
                )),
            },
            "retry_delay" => options.retry_delay = duration(attr, diagnostics),
            "host" => options.host = Some(attr.text().into_owned()),
            "rehearsal" => {
                options.rehearsal = Some(match &*attr.text() {
                    "skip" => Rehearsal::Skip,
                    command => Rehearsal::Run(command.to_string()),
                })
            }
            "danger" => options.danger = flag(attr, diagnostics),
            "cwd" => options.cwd = Some(attr.text().into_owned()),
            "interpreter" => options.interpreter = Some(attr.text().into_owned()),
            "excludeFromRunAll" => options.exclude_from_run_all = flag(attr, diagnostics),
            "ignore" => options.ignore = flag(attr, diagnostics),
            "promptEnv" => {
                options.prompt_env = Some(!is_one_of_ignore_ascii_case(
                    &attr.text(),
                    &["false", "no", "never", "0", "off"],
                ))
            }
            _ if BLOCK_KEYS.contains(&key) => {}
            _ => diagnostics.push(unknown_key(attr, BLOCK_KEYS, "block attribute")),
        }
    }
    options
}

/// Reads one `<!-- cairn: ... -->` annotation into `options`. Returns its `choose`
/// attribute, if it has one (a decision follows).
pub fn step_annotation<'t>(
    attrs: Vec<AttrRef<'t>>,
    options: &mut StepOptions,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<AttrRef<'t>> {
    let mut choose = None;
    for attr in attrs {
        let span = attr.span;
        match attr.key {
            "id" => options.id = Some((attr.into_text(), span)),
            "next" => options.next = Some((attr.into_text(), span)),
            "confirm" => options.confirm = confirm(&attr),
            "timeout" => options.timeout = duration(&attr, diagnostics),
            "phase" => match parse_phase(&attr.text()) {
                Some(phase) => options.phase = Some(phase),
                None => diagnostics.push(invalid(
                    &attr,
                    format!(
                        "unknown phase `{}` (use diagnose, mitigate, verify or rollback)",
                        attr.text()
                    ),
                )),
            },
            "choose" => choose = Some(attr),
            _ => diagnostics.push(unknown_key(&attr, STEP_KEYS, "step annotation")),
        }
    }
    choose
}

pub fn parse_phase(text: &str) -> Option<Phase> {
    match text.to_ascii_lowercase().as_str() {
        "diagnose" | "diagnosis" => Some(Phase::Diagnose),
        "mitigate" | "mitigation" => Some(Phase::Mitigate),
        "verify" | "verification" => Some(Phase::Verify),
        "rollback" => Some(Phase::Rollback),
        _ => None,
    }
}

/// Words that suggest a phase, matched anywhere in a title and ignoring ASCII case. The
/// phases come in order of precedence (a title holding words of two phases gets the first),
/// so an earlier entry never loses to a later one.
const PHASE_WORDS: [(Phase, &str); 24] = [
    (Phase::Rollback, "rollback"),
    (Phase::Rollback, "roll back"),
    (Phase::Rollback, "revert"),
    (Phase::Rollback, "fail back"),
    (Phase::Rollback, "failback"),
    (Phase::Diagnose, "diagnos"),
    (Phase::Diagnose, "investigat"),
    (Phase::Diagnose, "triage"),
    (Phase::Diagnose, "identify"),
    (Phase::Diagnose, "check"),
    (Phase::Diagnose, "inspect"),
    (Phase::Mitigate, "mitigat"),
    (Phase::Mitigate, "remediat"),
    (Phase::Mitigate, "resolution"),
    (Phase::Mitigate, "resolve"),
    (Phase::Mitigate, "fix"),
    (Phase::Mitigate, "recover"),
    (Phase::Mitigate, "restore"),
    (Phase::Mitigate, "fail over"),
    (Phase::Mitigate, "failover"),
    (Phase::Verify, "verif"),
    (Phase::Verify, "validat"),
    (Phase::Verify, "confirm"),
    (Phase::Verify, "monitor"),
];

/// A set of entries of `PHASE_WORDS`, bit `n` standing for entry `n`.
type WordSet = u32;
const _: () = assert!(PHASE_WORDS.len() <= WordSet::BITS as usize);

/// Where two bytes of a title lead in `WORDS_BY_PAIR`: their low five bits, which are the
/// same for a letter in either case. (Other bytes may share a key with letters; a candidate
/// word is compared in full.)
const fn pair_key(first: u8, second: u8) -> usize {
    ((first & 0x1f) as usize) << 5 | (second & 0x1f) as usize
}

/// For each pair key, the words that start with such a pair: at most positions of a title
/// no word can start, and at the others only a word or two is compared. (A table by first
/// letter alone sends too many positions on to a comparison that then fails.)
const WORDS_BY_PAIR: [WordSet; 1 << 10] = {
    let mut table = [0; 1 << 10];
    let mut index = 0;
    while index < PHASE_WORDS.len() {
        let word = PHASE_WORDS[index].1.as_bytes();
        table[pair_key(word[0], word[1])] |= 1 << index;
        index += 1;
    }
    table
};

/// The phase a heading's words suggest ("Diagnosis", "Roll back the deploy"...).
pub fn guess_phase(title: &str) -> Option<Phase> {
    let bytes = title.as_bytes();
    // The earliest entry found so far; only entries before it can still win.
    let mut best: Option<u32> = None;
    let mut can_win = WordSet::MAX;
    // Every word is longer than two bytes, so none starts at the last byte.
    for (start, pair) in bytes.windows(2).enumerate() {
        let mut candidates = WORDS_BY_PAIR[pair_key(pair[0], pair[1])] & can_win;
        while candidates != 0 {
            let index = candidates.trailing_zeros();
            candidates &= candidates - 1;
            let word = PHASE_WORDS[index as usize].1.as_bytes();
            if bytes
                .get(start..start + word.len())
                .is_some_and(|found| found.eq_ignore_ascii_case(word))
            {
                best = Some(index);
                can_win = (1 << index) - 1;
                break;
            }
        }
        if can_win == 0 {
            break;
        }
    }
    best.map(|index| PHASE_WORDS[index as usize].0)
}

pub fn is_identifier(text: &str) -> bool {
    let mut bytes = text.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `LAG`, `DB_HOST`: the names Runme treats as capturing stdout.
pub fn is_upper_identifier(text: &str) -> bool {
    is_identifier(text)
        && text.bytes().any(|b| b.is_ascii_uppercase())
        && !text.bytes().any(|b| b.is_ascii_lowercase())
}

fn confirm(attr: &AttrRef) -> Option<Confirm> {
    match &attr.value {
        AttrValue::Bool(true) => Some(Confirm::Yes),
        AttrValue::Bool(false) => None,
        _ => match &*attr.text() {
            "true" | "yes" | "" => Some(Confirm::Yes),
            "false" | "no" => None,
            message => Some(Confirm::Message(message.to_string())),
        },
    }
}

fn flag(attr: &AttrRef, diagnostics: &mut Vec<Diagnostic>) -> bool {
    if let AttrValue::Bool(value) = attr.value {
        return value;
    }
    let text = attr.text();
    if is_one_of_ignore_ascii_case(&text, &["true", "yes", "1", "on"]) {
        true
    } else if is_one_of_ignore_ascii_case(&text, &["false", "no", "0", "off"]) {
        false
    } else {
        diagnostics.push(invalid(
            attr,
            format!(
                "`{}` is true or false, not `{}`",
                attr.key,
                text.to_ascii_lowercase()
            ),
        ));
        false
    }
}

fn duration(attr: &AttrRef, diagnostics: &mut Vec<Diagnostic>) -> Option<Duration> {
    match parse_duration(&attr.text()) {
        Ok(duration) => Some(duration),
        Err(reason) => {
            diagnostics.push(invalid(attr, format!("`{}`: {reason}", attr.key)));
            None
        }
    }
}

fn identifier(attr: &AttrRef, diagnostics: &mut Vec<Diagnostic>) -> Option<String> {
    let name = attr.text();
    if is_identifier(&name) {
        Some(name.into_owned())
    } else {
        diagnostics.push(invalid(
            attr,
            format!(
                "`{}` needs a variable name (letters, digits, _), not `{name}`",
                attr.key
            ),
        ));
        None
    }
}

fn exit_codes(attr: &AttrRef, diagnostics: &mut Vec<Diagnostic>) -> Vec<i32> {
    let text = attr.text();
    let codes: Result<Vec<i32>, _> = text
        .split(',')
        .map(|code| code.trim().parse::<i32>())
        .collect();
    match codes {
        Ok(codes) => codes,
        Err(_) => {
            diagnostics.push(invalid(
                attr,
                format!("`expect` takes exit codes such as `0` or `\"0,1\"`, not `{text}`"),
            ));
            Vec::new()
        }
    }
}

fn invalid(attr: &AttrRef, message: String) -> Diagnostic {
    Diagnostic::error(Code::InvalidAttributeValue, attr.span, message)
}

fn unknown_key(attr: &AttrRef, known: &[&str], what: &str) -> Diagnostic {
    let diagnostic = Diagnostic::warning(
        Code::UnknownAttribute,
        attr.span,
        format!("unknown {what} `{}`", attr.key),
    );
    match closest(attr.key, known) {
        Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
        None => diagnostic.with_help(format!("known keys: {}", known.join(", "))),
    }
}

/// The regex crate's last line holds the reason ("error: unclosed group").
fn first_line(text: &str) -> String {
    let last = text.lines().last().unwrap_or("").trim();
    last.strip_prefix("error: ").unwrap_or(last).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::attrs::parse_pairs;

    fn options(text: &str) -> (BlockOptions, Vec<Diagnostic>) {
        let (attrs, _) = parse_pairs(text, 0, false).unwrap_or_default();
        let attrs = Attrs {
            items: attrs.into_iter().map(AttrRef::into_owned).collect(),
        };
        let mut diagnostics = Vec::new();
        (block_options(&attrs, &mut diagnostics), diagnostics)
    }

    #[test]
    fn typed_block_options() {
        let (options, diagnostics) = options(
            r#"name=LAG timeout=30s expect="0,1" retry=5 retry_delay=10s confirm="Sure?" background"#,
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(options.capture.as_deref(), Some("LAG"));
        assert_eq!(options.timeout, Some(Duration::from_secs(30)));
        assert_eq!(options.expect, vec![0, 1]);
        assert_eq!(options.retry, Some(5));
        assert_eq!(options.retry_delay, Some(Duration::from_secs(10)));
        assert_eq!(options.confirm, Some(Confirm::Message("Sure?".into())));
        assert!(options.background);
    }

    #[test]
    fn bad_values_and_unknown_keys_are_reported() {
        let (_, diagnostics) = options("timeout=soon retry=many expect_output=( timout=5s");
        let codes: Vec<_> = diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            vec![
                Code::InvalidAttributeValue,
                Code::InvalidAttributeValue,
                Code::InvalidAttributeValue,
                Code::UnknownAttribute
            ]
        );
        assert_eq!(
            diagnostics[3].help.as_deref(),
            Some("did you mean `timeout`?")
        );
    }

    #[test]
    fn lower_case_names_do_not_capture() {
        assert_eq!(options("name=lag").0.capture, None);
        assert_eq!(options("name=Lag").0.capture, None);
    }

    #[test]
    fn phases_are_guessed_from_headings() {
        assert_eq!(guess_phase("Diagnosis"), Some(Phase::Diagnose));
        assert_eq!(guess_phase("Mitigation"), Some(Phase::Mitigate));
        assert_eq!(guess_phase("Verification"), Some(Phase::Verify));
        assert_eq!(guess_phase("Roll back the deploy"), Some(Phase::Rollback));
        assert_eq!(guess_phase("Meaning"), None);
        // Case-blind, and the first phase in precedence wins, wherever its word is.
        assert_eq!(guess_phase("VERIFY the FAILOVER"), Some(Phase::Mitigate));
        assert_eq!(
            guess_phase("Fix it, check it, revert it"),
            Some(Phase::Rollback)
        );
        assert_eq!(guess_phase("Confirm and inspect"), Some(Phase::Diagnose));
    }

    /// What `guess_phase` means, read the slow way: the first phase any of whose words the
    /// title contains.
    fn phase_by_search(title: &str) -> Option<Phase> {
        PHASE_WORDS
            .iter()
            .find(|(_, word)| title.to_ascii_lowercase().contains(word))
            .map(|&(phase, _)| phase)
    }

    #[test]
    fn phase_guess_matches_a_plain_search() {
        let mut titles: Vec<String> = [
            "Step 12: Fail over queue depth",
            "Roll back the scheduler",
            "ROLLBACK",
            "rollbac",
            "fai lover",
            "Fail  over",
            "Failover, then failback",
            "Check, then fix, then verify",
            "Überprüfen: İnspect the ſervice — CHECK ✓",
            "日本語のタイトル verify",
            "résolve résolution",
            "x",
            "",
        ]
        .iter()
        .map(|title| title.to_string())
        .collect();
        // Every word alone, cut short, shouted, and after and before each other word.
        for (_, word) in PHASE_WORDS {
            titles.push(word.to_string());
            titles.push(word.to_ascii_uppercase());
            titles.push(word[..word.len() - 1].to_string());
            titles.push(format!("é{}é", &word[1..]));
            for (_, other) in PHASE_WORDS {
                titles.push(format!("{word}{other}"));
                titles.push(format!("The {} and {word}", other.to_ascii_uppercase()));
            }
        }
        for title in &titles {
            assert_eq!(guess_phase(title), phase_by_search(title), "{title}");
        }
    }
}
