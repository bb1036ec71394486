//! ANSI styling for cairn's plain-text output (diagnostics, outlines). A painter with colour
//! off returns text untouched, so callers never branch on colour themselves.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paints_only_with_colour() {
        assert_eq!(Painter::new(false).paint(BOLD, "x"), "x");
        assert_eq!(
            Painter::new(true).paint(RED_BOLD, "x"),
            "\x1b[1;31mx\x1b[0m"
        );
    }
}
