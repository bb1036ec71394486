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
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            0x1b => at = escape_end(bytes, at + 1),
            b'\r' => {
                if bytes.get(at + 1) != Some(&b'\n') {
                    out.push(b'\n');
                }
                at += 1;
            }
            byte => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The offset just after the escape sequence whose ESC came before `at`.
fn escape_end(bytes: &[u8], at: usize) -> usize {
    match bytes.get(at) {
        // CSI: parameters and intermediates up to a final byte in @..~.
        Some(b'[') => bytes[at + 1..]
            .iter()
            .position(|byte| (0x40..=0x7e).contains(byte))
            .map_or(bytes.len(), |end| at + 1 + end + 1),
        // OSC, DCS, APC, PM, SOS: up to BEL or ESC \.
        Some(b']' | b'P' | b'_' | b'^' | b'X') => {
            let mut end = at + 1;
            while end < bytes.len() {
                if bytes[end] == 0x07 {
                    return end + 1;
                }
                if bytes[end] == 0x1b && bytes.get(end + 1) == Some(&b'\\') {
                    return end + 2;
                }
                end += 1;
            }
            end
        }
        // Two-byte sequences such as ESC ( B or ESC =.
        Some(b'(' | b')' | b'#' | b'%') => (at + 2).min(bytes.len()),
        Some(_) => at + 1,
        None => at,
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
    fn paints_only_with_colour() {
        assert_eq!(Painter::new(false).paint(BOLD, "x"), "x");
        assert_eq!(
            Painter::new(true).paint(RED_BOLD, "x"),
            "\x1b[1;31mx\x1b[0m"
        );
    }
}
