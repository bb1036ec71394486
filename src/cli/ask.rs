//! Questions on the operator's terminal for a headless walk: a value, a typed confirmation,
//! a decision. Asked on stderr and read from stdin, line by line, only when stdin is a
//! terminal; secrets are typed with echo off. An empty line (or end of input) answers
//! nothing, and the walk stops with the flag that would have answered it.

use std::io::{BufRead, IsTerminal, Write};

use nix::sys::termios::{tcgetattr, tcsetattr, LocalFlags, SetArg, Termios};

use crate::engine::{Ask, Confirmation};
use crate::runbook::{Decision, Step};

/// Asks on the terminal, if there is one.
pub struct Asker {
    stdin: std::io::Stdin,
}

impl Asker {
    /// `None` without a terminal on stdin: nobody could answer.
    pub fn for_terminal() -> Option<Asker> {
        let stdin = std::io::stdin();
        stdin.is_terminal().then_some(Asker { stdin })
    }

    fn read_line(&self, question: &str, secret: bool) -> Option<String> {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "{question}");
        let _ = err.flush();
        let echo_off = secret.then(|| EchoOff::new(&self.stdin)).flatten();
        let mut line = String::new();
        let read = self.stdin.lock().read_line(&mut line);
        drop(echo_off);
        if secret {
            let _ = writeln!(err);
        }
        match read {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                let answer = line.trim_end_matches(['\n', '\r']).to_string();
                (!answer.is_empty()).then_some(answer)
            }
        }
    }

    pub fn value(&self, ask: &Ask) -> Option<String> {
        let mut question = format!("\n{} (used at {})", ask.name, ask.used_at);
        if let Some(prompt) = &ask.prompt {
            question.push_str(&format!(": {prompt}"));
        }
        if !ask.choices.is_empty() {
            question.push_str(&format!(" [{}]", ask.choices.join(", ")));
        }
        if let Some(default) = &ask.default {
            question.push_str(&format!(" (Enter for {default})"));
        }
        question.push_str("\n> ");
        match self.read_line(&question, ask.secret) {
            Some(answer) => Some(answer),
            None => ask.default.clone(),
        }
    }

    /// A typed confirmation: the step's id, or `yes`.
    pub fn confirm(&self, confirmation: &Confirmation) -> Option<String> {
        let question = format!(
            "\n⚠ {} ({})\nType `{}` or `yes` to run it, Enter to stop: ",
            confirmation.reason, confirmation.at, confirmation.step
        );
        loop {
            let answer = self.read_line(&question, false)?;
            let answer = answer.trim();
            if answer == confirmation.step || answer.eq_ignore_ascii_case("yes") {
                return Some(answer.to_string());
            }
            eprintln!("`{answer}` is neither `{}` nor `yes`.", confirmation.step);
        }
    }

    pub fn choose(&self, step: &Step, decision: &Decision) -> Option<usize> {
        let mut question = format!(
            "\n{}\n",
            decision
                .prompt
                .as_deref()
                .unwrap_or(&format!("Decide ({}):", step.title))
        );
        for (index, choice) in decision.choices.iter().enumerate() {
            question.push_str(&format!("  {}. {}\n", index + 1, choice.label));
        }
        question.push_str(&format!(
            "Choose 1-{}, Enter to stop: ",
            decision.choices.len()
        ));
        loop {
            let answer = self.read_line(&question, false)?;
            match answer.trim().parse::<usize>() {
                Ok(number) if (1..=decision.choices.len()).contains(&number) => {
                    return Some(number - 1)
                }
                _ => eprintln!("`{}` is not one of the choices.", answer.trim()),
            }
        }
    }
}

/// Turns terminal echo off while alive (typing a secret), and back on when dropped.
struct EchoOff {
    saved: Termios,
    stdin: std::io::Stdin,
}

impl EchoOff {
    fn new(stdin: &std::io::Stdin) -> Option<EchoOff> {
        let saved = tcgetattr(stdin).ok()?;
        let mut quiet = saved.clone();
        quiet.local_flags.remove(LocalFlags::ECHO);
        tcsetattr(stdin, SetArg::TCSANOW, &quiet).ok()?;
        Some(EchoOff {
            saved,
            stdin: std::io::stdin(),
        })
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        let _ = tcsetattr(&self.stdin, SetArg::TCSANOW, &self.saved);
    }
}
