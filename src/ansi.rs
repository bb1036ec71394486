//! ANSI styling for cairn's plain-text output (diagnostics, outlines), and the reverse: a
//! program's terminal output reduced to its text. A painter with colour off returns text
//! untouched, so callers never branch on colour themselves.

pub const BOLD: &str = "1";
pub const DIM: &str = "2";
pub const RED_BOLD: &str = "1;31";
pub const YELLOW: &str = "33";
pub const YELLOW_BOLD: &str = "1;33";
pub const CYAN_BOLD: &str = "1;36";
pub const BLUE_BOLD: &str = "1;34";

#[derive(Clone, Copy, Debug)]
pub struct Painter {
    pub color: bool,
}

impl Painter {
    pub fn new(color: bool) -> Self {
        Painter { color }
    }

    /// `text` in the SGR `style` (such as `"1;31"`), or as it is when colour is off.
    pub fn paint(self, style: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{style}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// The text of terminal output: escape sequences (colours, cursor moves, titles) removed,
/// `\r\n` read as `\n`, a lone `\r` (a progress bar redrawing its line) as a line break.
/// Bytes that are not UTF-8 become U+FFFD.
pub fn strip(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    let mut stripper = Stripper::default();
    stripper.push(bytes, &mut out);
    stripper.finish(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// `strip` for a stream that arrives in pieces: an escape sequence or a `\r\n` split
/// between two pieces is held back until the next one. Works on bytes, so a character
/// split between pieces stays whole.
#[derive(Clone, Debug, Default)]
pub struct Stripper {
    carry: Vec<u8>,
}

impl Stripper {
    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        let mut data = std::mem::take(&mut self.carry);
        data.extend_from_slice(chunk);
        let mut at = 0;
        while at < data.len() {
            match data[at] {
                0x1b => match escape_end(&data, at + 1) {
                    Some(end) => at = end,
                    None => {
                        self.carry = data[at..].to_vec();
                        return;
                    }
                },
                b'\r' => match data.get(at + 1) {
                    Some(b'\n') => at += 1,
                    Some(_) => {
                        out.push(b'\n');
                        at += 1;
                    }
                    None => {
                        self.carry = vec![b'\r'];
                        return;
                    }
                },
                byte => {
                    out.push(byte);
                    at += 1;
                }
            }
        }
    }

    /// The end of the stream: an unfinished escape sequence is dropped, a last `\r` is a
    /// line break.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if self.carry.first() == Some(&b'\r') {
            out.push(b'\n');
        }
        self.carry.clear();
    }
}

/// The offset just after the escape sequence whose ESC came before `at`, or `None` when
/// the sequence runs past the end of `bytes`.
fn escape_end(bytes: &[u8], at: usize) -> Option<usize> {
    match bytes.get(at)? {
        // CSI: parameters and intermediates up to a final byte in @..~.
        b'[' => bytes[at + 1..]
            .iter()
            .position(|byte| (0x40..=0x7e).contains(byte))
            .map(|end| at + 1 + end + 1),
        // OSC, DCS, APC, PM, SOS: up to BEL or ESC \.
        b']' | b'P' | b'_' | b'^' | b'X' => {
            let mut end = at + 1;
            while end < bytes.len() {
                if bytes[end] == 0x07 {
                    return Some(end + 1);
                }
                if bytes[end] == 0x1b {
                    return match bytes.get(end + 1) {
                        Some(b'\\') => Some(end + 2),
                        Some(_) => Some(end),
                        None => None,
                    };
                }
                end += 1;
            }
            None
        }
        // Two-byte sequences such as ESC ( B or ESC =.
        b'(' | b')' | b'#' | b'%' => (at + 2 <= bytes.len()).then_some(at + 2),
        _ => Some(at + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_terminal_sequences_to_text() {
        assert_eq!(strip(b"\x1b[1;31mred\x1b[0m\r\nnext"), "red\nnext");
        assert_eq!(strip(b"\x1b]0;title\x07a\x1b(Bb"), "ab");
        assert_eq!(strip(b"10%\r20%\r\n"), "10%\n20%\n");
        assert_eq!(strip(b"cut\x1b["), "cut");
    }

    #[test]
    fn a_stream_strips_the_same_however_it_is_cut() {
        let whole: &[u8] = b"a\x1b[31mred\x1b[0m\r\nb\x1b]0;t\x07c\rd\xe2\x98\x83\r";
        let expected = strip(whole);
        for cut in 0..=whole.len() {
            let mut stripper = Stripper::default();
            let mut out = Vec::new();
            stripper.push(&whole[..cut], &mut out);
            stripper.push(&whole[cut..], &mut out);
            stripper.finish(&mut out);
            assert_eq!(String::from_utf8_lossy(&out), expected, "cut at {cut}");
        }
    }

    #[test]
    fn paints_only_with_colour() {
        assert_eq!(Painter::new(false).paint(BOLD, "x"), "x");
        assert_eq!(
            Painter::new(true).paint(RED_BOLD, "x"),
            "\x1b[1;31mx\x1b[0m"
        );
    }
}
