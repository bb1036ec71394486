//! Throughput and scaling of `cairn::runbook::parse`.
//!
//! 1. A generated ~5 MB runbook with 10,000 steps, timed interleaved against the floor: bare
//!    pulldown-cmark (`Options::all()`, offset iterator, every event consumed). Prints both
//!    medians, MB/s and the ratio parse/floor (target: within 2x).
//! 2. Pathological inputs at size n and 2n: prints time(2n)/time(n) for cairn and for the
//!    floor. About 2 means linear, about 4 quadratic.
//!
//! Run with `cargo bench --bench parse`. `CAIRN_BENCH_RUNS` overrides the number of timed
//! runs of the big runbook (default 15).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use pulldown_cmark::{Options, Parser};

// ---------------------------------------------------------------------------------------------
// A realistic runbook
// ---------------------------------------------------------------------------------------------

/// A small deterministic generator (xorshift), so every run benchmarks the same text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const VERBS: &[&str] = &[
    "Check",
    "Inspect",
    "Drain",
    "Restart",
    "Verify",
    "Scale",
    "Promote",
    "Fail over",
    "Roll back",
    "Confirm",
    "Rotate",
    "Flush",
    "Pause",
    "Resume",
    "Tail",
    "Compare",
];
const NOUNS: &[&str] = &[
    "replica lag",
    "the primary",
    "connection pool",
    "ingress controller",
    "queue depth",
    "the canary",
    "DNS records",
    "TLS certificates",
    "disk usage",
    "consumer group",
    "the load balancer",
    "feature flags",
    "error budget",
    "cache hit rate",
    "the scheduler",
];
const WORDS: &[&str] = &[
    "the",
    "service",
    "should",
    "now",
    "report",
    "healthy",
    "before",
    "you",
    "continue",
    "if",
    "not",
    "wait",
    "for",
    "a",
    "minute",
    "and",
    "retry",
    "dashboard",
    "alert",
    "latency",
    "p99",
    "region",
    "traffic",
    "shift",
    "operator",
    "on-call",
    "page",
    "incident",
    "owner",
    "rollout",
    "pods",
    "nodes",
    "metrics",
    "threshold",
    "above",
    "below",
    "expected",
];
const COMMANDS: &[&str] = &[
    "kubectl -n <namespace> get pods -l app=<app> -o wide",
    "kubectl -n <namespace> rollout status deploy/<app> --timeout=120s",
    "psql -h <db-host> -U postgres -c 'select now() - pg_last_xact_replay_timestamp() as lag'",
    "curl -fsS https://<service-host>/healthz | jq .status",
    "aws rds describe-db-instances --db-instance-identifier <instance> --region \"$REGION\"",
    "systemctl status nginx --no-pager",
    "journalctl -u <unit> --since '10 min ago' | grep -c ERROR",
    "export LAG=$(psql -h <db-host> -tAc 'select 1')",
    "redis-cli -h <redis-host> info replication | grep role",
    "dig +short <record> @8.8.8.8",
];

fn prose(rng: &mut Rng, words: usize, out: &mut String) {
    for index in 0..words {
        if index > 0 {
            out.push(' ');
        }
        let word = rng.pick(WORDS);
        match rng.below(14) {
            0 => write!(out, "**{word}**").unwrap(),
            1 => write!(out, "_{word}_").unwrap(),
            2 => write!(out, "`{word}`").unwrap(),
            3 => write!(out, "[{word}](https://wiki.example.com/runbooks/{word})").unwrap(),
            _ => out.push_str(word),
        }
    }
    out.push_str(".\n");
}

/// A runbook of `steps` headings: a group heading every 25 steps, each step with prose, a
/// command block with attributes, often a console transcript, checks, and now and then a
/// decision or a `next=` jump.
fn realistic_runbook(steps: usize) -> String {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out = String::with_capacity(steps * 560);
    out.push_str(
        "---\ntitle: Database failover\nowner: team-db\nparams:\n  NAMESPACE: prod\n  \
         DB_HOST: { prompt: \"Primary host\", default: \"db-1.internal\" }\n  \
         API_TOKEN: { prompt: \"API token\", secret: true }\n  \
         REGION: { choices: [eu-west-1, us-east-1] }\n---\n\n# Database failover\n\n",
    );
    prose(&mut rng, 40, &mut out);
    out.push('\n');
    let anchor = |step: usize| format!("step-{step}");
    for step in 0..steps {
        if step % 25 == 0 {
            writeln!(out, "## Stage {}\n", step / 25).unwrap();
        }
        let verb = rng.pick(VERBS);
        let noun = rng.pick(NOUNS);
        // "Step 12: Check replica lag" has the anchor "step-12-check-replica-lag"; an
        // explicit id keeps the links short and stable.
        writeln!(out, "### Step {step}: {verb} {noun}\n").unwrap();
        writeln!(out, "<!-- cairn: id={} -->\n", anchor(step)).unwrap();
        let words = 12 + rng.below(10);
        prose(&mut rng, words, &mut out);
        out.push('\n');
        match rng.below(3) {
            0 => {
                writeln!(
                    out,
                    "```bash {{ name=cmd_{step} timeout={}s }}",
                    10 + rng.below(50)
                )
                .unwrap();
                for _ in 0..1 + rng.below(3) {
                    out.push_str(rng.pick(COMMANDS));
                    out.push('\n');
                }
                out.push_str("```\n\n");
            }
            1 => {
                writeln!(
                    out,
                    "```console {{ name=check_{step} retry=3 retry_delay=5s }}"
                )
                .unwrap();
                writeln!(out, "$ {}", rng.pick(COMMANDS)).unwrap();
                out.push_str("NAME                      READY   STATUS    RESTARTS   AGE\n");
                writeln!(
                    out,
                    "api-7d9f8b6c5-x{step:05}      1/1     Running   0          3d"
                )
                .unwrap();
                writeln!(out, "$ {}", rng.pick(COMMANDS)).unwrap();
                out.push_str("ok\n```\n\n");
            }
            _ => {
                writeln!(
                    out,
                    "```sh {{\"name\":\"probe_{step}\",\"excludeFromRunAll\":false}}"
                )
                .unwrap();
                out.push_str(rng.pick(COMMANDS));
                out.push_str("\n```\n\n");
                out.push_str(
                    "Expected output:\n\n```text\nstatus: healthy\nreplicas: 3/3\n```\n\n",
                );
            }
        }
        if rng.below(2) == 0 {
            out.push_str("- [ ] ");
            prose(&mut rng, 6, &mut out);
            out.push_str("- [x] ");
            prose(&mut rng, 5, &mut out);
            out.push('\n');
        }
        if step % 50 == 49 && step + 10 < steps {
            out.push_str("<!-- cairn: choose=\"Is the lag above the threshold?\" -->\n");
            writeln!(out, "- Lag over 10 s: [fail over](#{})", anchor(step + 1)).unwrap();
            writeln!(out, "- Otherwise: [skip ahead](#{})", anchor(step + 10)).unwrap();
            out.push_str("- Nothing is wrong: [stop here](#end)\n\n");
        } else if step % 37 == 36 && step + 3 < steps {
            writeln!(out, "<!-- cairn: next={} -->\n", anchor(step + 3)).unwrap();
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Timing
// ---------------------------------------------------------------------------------------------

fn floor(text: &str) -> usize {
    let mut events = 0usize;
    for (event, range) in Parser::new_ext(text, Options::all()).into_offset_iter() {
        black_box(&event);
        black_box(&range);
        events += 1;
    }
    black_box(events)
}

fn cairn_parse(text: &str) -> cairn::runbook::Runbook {
    black_box(cairn::runbook::parse("bench.md", black_box(text)))
}

/// Times `f`; what it returns is dropped after the clock stops (freeing a parsed runbook
/// is not part of parsing it).
fn time<T, F: FnMut() -> T>(mut f: F) -> Duration {
    let start = Instant::now();
    let result = f();
    let elapsed = start.elapsed();
    drop(black_box(result));
    elapsed
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn throughput() {
    let text = realistic_runbook(10_000);
    // For profiling outside the bench: `CAIRN_BENCH_DUMP=/tmp/big.md cargo bench --bench parse`.
    if let Some(path) = std::env::var_os("CAIRN_BENCH_DUMP") {
        std::fs::write(&path, &text).unwrap();
    }
    let runbook = cairn::runbook::parse("bench.md", &text);
    let mb = text.len() as f64 / 1e6;
    println!("== realistic runbook ==");
    println!(
        "input: {:.2} MB, {} lines, {} steps, {} blocks, {} diagnostics",
        mb,
        text.lines().count(),
        runbook.steps.len(),
        runbook
            .steps
            .iter()
            .map(|step| step.blocks.len())
            .sum::<usize>(),
        runbook.diagnostics.len()
    );
    for diagnostic in runbook.diagnostics.iter().take(3) {
        println!(
            "  first diagnostics: {}:{} [{}] {}",
            diagnostic.line,
            diagnostic.col,
            diagnostic.code.as_str(),
            diagnostic.message
        );
    }
    drop(runbook);

    let runs: usize = std::env::var("CAIRN_BENCH_RUNS")
        .ok()
        .and_then(|runs| runs.parse().ok())
        .unwrap_or(15);
    // Warm up both (page in the text, grow the allocator's pools).
    for _ in 0..2 {
        floor(&text);
        cairn_parse(&text);
    }
    let mut floor_times = Vec::with_capacity(runs);
    let mut parse_times = Vec::with_capacity(runs);
    for run in 0..runs {
        // Alternate which goes first, so neither always runs on a warmer cache.
        if run % 2 == 0 {
            floor_times.push(time(|| floor(&text)));
            parse_times.push(time(|| cairn_parse(&text)));
        } else {
            parse_times.push(time(|| cairn_parse(&text)));
            floor_times.push(time(|| floor(&text)));
        }
    }
    let floor_median = median(floor_times);
    let parse_median = median(parse_times);
    let ratio = parse_median.as_secs_f64() / floor_median.as_secs_f64();
    println!("runs: {runs} each, interleaved");
    println!(
        "floor (pulldown-cmark, Options::all, offset iter): median {:8.2} ms  {:7.1} MB/s",
        ms(floor_median),
        mb / floor_median.as_secs_f64()
    );
    println!(
        "cairn::runbook::parse:                             median {:8.2} ms  {:7.1} MB/s",
        ms(parse_median),
        mb / parse_median.as_secs_f64()
    );
    println!(
        "ratio: {ratio:.2}x (target: within 2x) {}",
        if ratio <= 2.0 { "OK" } else { "OVER TARGET" }
    );
}

// ---------------------------------------------------------------------------------------------
// Pathological inputs
// ---------------------------------------------------------------------------------------------

struct Case {
    name: &'static str,
    n: usize,
    make: fn(usize) -> String,
}

fn cases() -> Vec<Case> {
    vec![
        // Found quadratic in review, kept here so they stay linear.
        Case {
            name: "params one after another",
            n: 5_000,
            make: |n| {
                let params: String = (0..n).map(|i| format!("  P{i}: x\n")).collect();
                format!("---\nparams:\n{params}---\n## S\n\ntext\n")
            },
        },
        Case {
            name: "blank lines before console output",
            n: 100_000,
            make: |n| format!("## S\n\n```console\n{}$ ls\nout\n```\n", "\n".repeat(n)),
        },
        Case {
            name: "a long open quote in a console",
            n: 20_000,
            make: |n| {
                format!(
                    "## S\n\n```console\n$ echo \"\n{}\"\n```\n",
                    "x\n".repeat(n)
                )
            },
        },
        Case {
            name: "snippets in one step",
            n: 10_000,
            make: |n| format!("## S\n\n{}", "```text\nx\n```\n\n".repeat(n)),
        },
        Case {
            name: "exports on one line (bash)",
            n: 20_000,
            make: |n| format!("## S\n\n```bash\n{}\n```\n", "export A=1;".repeat(n)),
        },
        Case {
            name: "nested block quotes (one line)",
            n: 10_000,
            make: |n| {
                format!(
                    "# T\n\n{} ```bash\n{} $ echo <x>\n",
                    ">".repeat(n),
                    ">".repeat(n)
                )
            },
        },
        Case {
            name: "deep block quote + lazy lines",
            n: 5_000,
            make: |n| {
                format!(
                    "# T\n\n{} a <b>\n{}",
                    ">".repeat(n),
                    "lazy $X <c>\n".repeat(n)
                )
            },
        },
        Case {
            name: "backticks on one line",
            n: 50_000,
            make: |n| format!("# T\n\n{}\n", "`".repeat(n)),
        },
        Case {
            name: "unmatched backtick runs, lengths 1..64",
            n: 10_000,
            make: |n| {
                (0..n)
                    .map(|index| "`".repeat(index % 64 + 1) + "x")
                    .collect()
            },
        },
        Case {
            name: "`<a` repeated on one line (prose)",
            n: 100_000,
            make: |n| format!("# T\n\n{}\n", "<a".repeat(n)),
        },
        Case {
            name: "`<a` repeated on one line (bash)",
            n: 100_000,
            make: |n| format!("# T\n\n```bash\necho {}\n```\n", "<a".repeat(n)),
        },
        Case {
            name: "`$` repeated (bash)",
            n: 100_000,
            make: |n| format!("# T\n\n```bash\n{}\n```\n", "$".repeat(n)),
        },
        Case {
            name: "`$` repeated (console)",
            n: 100_000,
            make: |n| format!("# T\n\n```console\n{}\n```\n", "$".repeat(n)),
        },
        Case {
            name: "`$ x` prompt lines (console)",
            n: 50_000,
            make: |n| format!("# T\n\n```console\n{}```\n", "$ echo <x> \\\n".repeat(n)),
        },
        Case {
            name: "`\"$(` nesting (bash)",
            n: 20_000,
            make: |n| format!("# T\n\n```bash\necho {}\n```\n", "\"$(".repeat(n)),
        },
        Case {
            name: "`${` repeated (bash)",
            n: 50_000,
            make: |n| format!("# T\n\n```bash\necho {}\n```\n", "${".repeat(n)),
        },
        Case {
            name: "heredoc openers (bash)",
            n: 20_000,
            make: |n| format!("# T\n\n```bash\n{}\n```\n", "cat <<EOF\n".repeat(n)),
        },
        Case {
            name: "nested lists on one line",
            n: 5_000,
            make: |n| format!("# T\n\n{}x\n", "- ".repeat(n)),
        },
        Case {
            name: "list items with fences, depth 0..40",
            n: 5_000,
            make: |n| {
                let mut out = String::from("# T\n\n");
                for index in 0..n {
                    let indent = " ".repeat(index % 40 * 2);
                    writeln!(out, "{indent}- item {index}\n").unwrap();
                    writeln!(out, "{indent}  ```bash\n{indent}  echo <p{index}>").unwrap();
                    writeln!(out, "{indent}  ```\n").unwrap();
                }
                out
            },
        },
        Case {
            name: "`<!--` openers on one line",
            n: 100_000,
            make: |n| format!("# T\n\n{}\n", "<!--".repeat(n)),
        },
        Case {
            name: "`<!-- cairn:` openers, a line each",
            n: 50_000,
            make: |n| format!("# T\n\n{}", "<!-- cairn: next=\n".repeat(n)),
        },
        Case {
            name: "1 MB single prose line",
            n: 1_000_000,
            make: |n| {
                let unit = "word **em** [link](#step-2) <place> `code` $X ";
                let mut out = String::from("# T\n\n");
                out.push_str(&unit.repeat(n / unit.len()));
                out.push('\n');
                out
            },
        },
        Case {
            name: "1 MB single line in bash block",
            n: 1_000_000,
            make: |n| {
                let unit = "echo \"$X\" '<p>' <q> | ";
                format!("# T\n\n```bash\n{}\n```\n", unit.repeat(n / unit.len()))
            },
        },
        Case {
            name: "long attribute list",
            n: 20_000,
            make: |n| format!("# T\n\n```bash {{ {}}}\nls\n```\n", "timeout=1s ".repeat(n)),
        },
        Case {
            name: "unknown attributes on one info line",
            n: 10_000,
            make: |n| format!("# T\n\n```bash {{ {}}}\nls\n```\n", "zz=1 ".repeat(n)),
        },
        Case {
            name: "inline annotations on one line",
            n: 10_000,
            make: |n| format!("# T\n\n## A\n\n{}\n", "<!-- cairn: zz=1 --> ".repeat(n)),
        },
        Case {
            name: "annotations, a line each",
            n: 10_000,
            make: |n| format!("# T\n\n## A\n\n{}", "<!-- cairn: zz=1 -->\n".repeat(n)),
        },
        Case {
            name: "`# comment` and command lines (bash)",
            n: 20_000,
            make: |n| format!("# T\n\n```bash\n{}```\n", "# comment\nls\n".repeat(n)),
        },
        Case {
            name: "long unterminated attribute quote",
            n: 200_000,
            make: |n| format!("# T\n\n```bash {{ name=\"{}\nls\n```\n", "x".repeat(n)),
        },
        Case {
            name: "identical headings (slug de-dup)",
            n: 5_000,
            make: |n| "## Check\n\n".repeat(n),
        },
        Case {
            name: "headings `a-k` then `a` repeated",
            n: 2_000,
            make: |n| {
                let mut out = String::new();
                for index in 1..=n {
                    writeln!(out, "## a-{index}\n").unwrap();
                }
                out.push_str(&"## a\n\n".repeat(n));
                out
            },
        },
        Case {
            name: "steps with unknown next= targets",
            n: 2_000,
            make: |n| {
                let mut out = String::new();
                for index in 0..n {
                    writeln!(
                        out,
                        "## Step {index}\n\n<!-- cairn: next=stpe-{index} -->\n"
                    )
                    .unwrap();
                }
                out
            },
        },
        Case {
            name: "decisions with many choices",
            n: 10_000,
            make: |n| {
                let mut out = String::from("# T\n\n## A\n\n<!-- cairn: choose=\"Which?\" -->\n");
                for index in 0..n {
                    writeln!(out, "- [Choice {index}](#b-{index})").unwrap();
                }
                out.push_str("\n## B\n");
                out
            },
        },
        Case {
            name: "unclosed fences",
            n: 20_000,
            make: |n| "# T\n\n````bash\n```\n~~~\n".repeat(n),
        },
    ]
}

/// Median of a few runs; fewer when one run is already slow, so a quadratic case does not
/// stall the bench.
fn median_of<T>(runs: usize, f: &dyn Fn() -> T) -> Duration {
    let first = time(f);
    if first > Duration::from_secs(1) {
        return first;
    }
    let mut times = vec![first];
    for _ in 1..runs {
        times.push(time(f));
    }
    median(times)
}

fn scaling() {
    println!();
    println!("== scaling: time(2n) / time(n); ~2 linear, ~4 quadratic ==");
    println!(
        "{:<38} {:>8} {:>8} {:>10} {:>10} {:>10} {:>6} {:>6}",
        "case", "n", "bytes(n)", "floor(n)", "cairn(n)", "cairn(2n)", "cairn", "floor"
    );
    let budget = Instant::now();
    for case in cases() {
        if budget.elapsed() > Duration::from_secs(60) {
            println!("{:<38} skipped: scaling budget (60 s) spent", case.name);
            continue;
        }
        let small = (case.make)(case.n);
        let large = (case.make)(case.n * 2);
        let cairn_small = median_of(5, &|| cairn_parse(&small));
        let cairn_large = if cairn_small > Duration::from_secs(5) {
            None
        } else {
            Some(median_of(5, &|| cairn_parse(&large)))
        };
        let floor_small = median_of(5, &|| floor(&small));
        let floor_large = median_of(5, &|| floor(&large));
        let floor_ratio = floor_large.as_secs_f64() / floor_small.as_secs_f64();
        let (large_text, ratio_text, flag) = match cairn_large {
            Some(large) => {
                let ratio = large.as_secs_f64() / cairn_small.as_secs_f64();
                // Tiny timings are noisy; flag only when the 2n run takes real time.
                let flag = if ratio > 3.0 && large > Duration::from_millis(5) {
                    "  <-- SUPER-LINEAR"
                } else {
                    ""
                };
                (format!("{:.2}ms", ms(large)), format!("{ratio:.2}"), flag)
            }
            None => ("skipped".to_string(), "-".to_string(), "  <-- SLOW"),
        };
        println!(
            "{:<38} {:>8} {:>8} {:>10} {:>10} {:>10} {:>6} {:>6.2}{}",
            case.name,
            case.n,
            small.len(),
            format!("{:.2}ms", ms(floor_small)),
            format!("{:.2}ms", ms(cairn_small)),
            large_text,
            ratio_text,
            floor_ratio,
            flag
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs it without, as a smoke test.
    let quick = !std::env::args().any(|arg| arg == "--bench");
    if quick {
        let text = realistic_runbook(200);
        drop(cairn_parse(&text));
        for case in cases() {
            drop(cairn_parse(&(case.make)(case.n / 100 + 1)));
        }
        println!("bench parse: smoke run ok (use `cargo bench --bench parse` to measure)");
        return;
    }
    throughput();
    scaling();
}
