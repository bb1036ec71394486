//! Keys and pastes as the bytes a terminal sends to the program running in it, so the
//! terminal pane can pass the operator's typing to the command's pty. The encoding follows
//! xterm: printable characters as UTF-8, Alt as an ESC prefix, Ctrl+letter as a C0 control
//! byte, and the cursor, editing and function keys as escape sequences, with xterm's
//! modifier parameter (`ESC [ 1 ; 5 A` for Ctrl+Up).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

const ESC: u8 = 0x1b;

/// Bracketed paste's opening and closing sequences.
const PASTE_START: &[u8] = b"\x1b[200~";
const PASTE_END: &[u8] = b"\x1b[201~";

/// The bytes a terminal sends for `key`, or `None` for a key it sends nothing for (a
/// release, a lone modifier, a media key, F13 and above).
///
/// `application_cursor` is the program's cursor-key mode (DECCKM, which
/// `vt100::Screen::application_cursor` reports): when set, unmodified arrows, Home and End
/// are sent as `ESC O x` instead of `ESC [ x`.
pub fn key_bytes(key: &KeyEvent, application_cursor: bool) -> Option<Vec<u8>> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let modifiers = key.modifiers;
    let alt = modifiers.contains(KeyModifiers::ALT);
    let ctrl = modifiers.contains(KeyModifiers::CONTROL);
    let parameter = modifier_parameter(modifiers);
    let bytes = match key.code {
        KeyCode::Char(character) => return Some(char_bytes(character, ctrl, alt)),
        KeyCode::Null => with_alt(alt, vec![0]),
        KeyCode::Enter => with_alt(alt, vec![b'\r']),
        KeyCode::Tab => with_alt(alt, vec![b'\t']),
        KeyCode::BackTab => b"\x1b[Z".to_vec(),
        // xterm sends ^H for Ctrl+Backspace; shells bind it to erasing a word.
        KeyCode::Backspace => with_alt(alt, vec![if ctrl { 0x08 } else { 0x7f }]),
        KeyCode::Esc => with_alt(alt, vec![ESC]),
        KeyCode::Up => cursor_key(b'A', parameter, application_cursor),
        KeyCode::Down => cursor_key(b'B', parameter, application_cursor),
        KeyCode::Right => cursor_key(b'C', parameter, application_cursor),
        KeyCode::Left => cursor_key(b'D', parameter, application_cursor),
        KeyCode::Home => cursor_key(b'H', parameter, application_cursor),
        KeyCode::End => cursor_key(b'F', parameter, application_cursor),
        KeyCode::Insert => tilde_key(2, parameter),
        KeyCode::Delete => tilde_key(3, parameter),
        KeyCode::PageUp => tilde_key(5, parameter),
        KeyCode::PageDown => tilde_key(6, parameter),
        KeyCode::F(number) => function_key(number, parameter)?,
        _ => return None,
    };
    Some(bytes)
}

/// The bytes a terminal sends when `text` is pasted. Line breaks (`\r\n` or `\n`) become
/// `\r`, as a typed Enter would. With `bracketed` (the program asked for it with
/// `ESC [ ? 2004 h`, which `vt100::Screen::bracketed_paste` reports) the text is wrapped in
/// `ESC [ 200 ~` … `ESC [ 201 ~`, and any end marker inside the text is removed so the
/// pasted text cannot end the paste early and be taken as typed keys.
pub fn paste_bytes(text: &str, bracketed: bool) -> Vec<u8> {
    let mut body = text.replace("\r\n", "\r").replace('\n', "\r").into_bytes();
    if !bracketed {
        return body;
    }
    // Removing one marker can join the text around it into another, so repeat.
    while let Some(at) = find(&body, PASTE_END) {
        body.drain(at..at + PASTE_END.len());
    }
    let mut bytes = Vec::with_capacity(body.len() + PASTE_START.len() + PASTE_END.len());
    bytes.extend_from_slice(PASTE_START);
    bytes.extend_from_slice(&body);
    bytes.extend_from_slice(PASTE_END);
    bytes
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// xterm's modifier parameter: 1 plus Shift 1, Alt 2, Ctrl 4, Meta 8; `None` for no
/// modifier.
fn modifier_parameter(modifiers: KeyModifiers) -> Option<u8> {
    let mut parameter = 1;
    for (modifier, value) in [
        (KeyModifiers::SHIFT, 1),
        (KeyModifiers::ALT, 2),
        (KeyModifiers::CONTROL, 4),
        (KeyModifiers::META, 8),
    ] {
        if modifiers.contains(modifier) {
            parameter += value;
        }
    }
    (parameter > 1).then_some(parameter)
}

fn with_alt(alt: bool, mut bytes: Vec<u8>) -> Vec<u8> {
    if alt {
        bytes.insert(0, ESC);
    }
    bytes
}

/// A character key: Ctrl turns letters and `@ [ \ ] ^ _` (and xterm's digit aliases) into
/// their control byte; Alt adds an ESC prefix. Ctrl with any other character sends the
/// character itself, as xterm does.
fn char_bytes(character: char, ctrl: bool, alt: bool) -> Vec<u8> {
    if ctrl {
        if let Some(byte) = control_byte(character) {
            return with_alt(alt, vec![byte]);
        }
    }
    let mut buffer = [0; 4];
    with_alt(alt, character.encode_utf8(&mut buffer).as_bytes().to_vec())
}

fn control_byte(character: char) -> Option<u8> {
    Some(match character {
        'a'..='z' => character as u8 - b'a' + 1,
        'A'..='Z' => character as u8 - b'A' + 1,
        '@' | ' ' | '2' => 0,
        '[' | '3' => 0x1b,
        '\\' | '4' => 0x1c,
        ']' | '5' => 0x1d,
        '^' | '~' | '6' => 0x1e,
        '_' | '/' | '7' => 0x1f,
        '?' | '8' => 0x7f,
        _ => return None,
    })
}

/// Arrows, Home and End: `ESC [ x` (or `ESC O x` in application cursor mode) unmodified,
/// `ESC [ 1 ; m x` with modifiers.
fn cursor_key(letter: u8, parameter: Option<u8>, application_cursor: bool) -> Vec<u8> {
    match parameter {
        Some(parameter) => format!("\x1b[1;{parameter}{}", char::from(letter)).into_bytes(),
        None if application_cursor => vec![ESC, b'O', letter],
        None => vec![ESC, b'[', letter],
    }
}

/// Insert, Delete, PageUp, PageDown, F5 and up: `ESC [ n ~`, or `ESC [ n ; m ~`.
fn tilde_key(number: u8, parameter: Option<u8>) -> Vec<u8> {
    match parameter {
        Some(parameter) => format!("\x1b[{number};{parameter}~").into_bytes(),
        None => format!("\x1b[{number}~").into_bytes(),
    }
}

/// F1–F4 are `ESC O P`..`ESC O S` (`ESC [ 1 ; m P` with modifiers); F5–F12 use the tilde
/// form with xterm's numbers, which skip 16 and 22.
fn function_key(number: u8, parameter: Option<u8>) -> Option<Vec<u8>> {
    let tilde = match number {
        1..=4 => {
            let letter = b'P' + (number - 1);
            return Some(match parameter {
                Some(parameter) => format!("\x1b[1;{parameter}{}", char::from(letter)).into_bytes(),
                None => vec![ESC, b'O', letter],
            });
        }
        5 => 15,
        6 => 17,
        7 => 18,
        8 => 19,
        9 => 20,
        10 => 21,
        11 => 23,
        12 => 24,
        _ => return None,
    };
    Some(tilde_key(tilde, parameter))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEventState;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> Option<Vec<u8>> {
        key_bytes(&KeyEvent::new(code, modifiers), false)
    }

    fn plain(code: KeyCode) -> Option<Vec<u8>> {
        press(code, KeyModifiers::NONE)
    }

    fn bytes(text: &str) -> Option<Vec<u8>> {
        Some(text.as_bytes().to_vec())
    }

    #[test]
    fn printable_characters_are_their_utf8() {
        assert_eq!(plain(KeyCode::Char('a')), bytes("a"));
        assert_eq!(press(KeyCode::Char('A'), KeyModifiers::SHIFT), bytes("A"));
        assert_eq!(plain(KeyCode::Char('é')), bytes("é"));
        assert_eq!(plain(KeyCode::Char('日')), bytes("日"));
        assert_eq!(plain(KeyCode::Char(' ')), bytes(" "));
    }

    #[test]
    fn alt_prefixes_escape() {
        assert_eq!(press(KeyCode::Char('b'), KeyModifiers::ALT), bytes("\x1bb"));
        assert_eq!(
            press(KeyCode::Char('B'), KeyModifiers::ALT | KeyModifiers::SHIFT),
            bytes("\x1bB")
        );
        assert_eq!(press(KeyCode::Char('é'), KeyModifiers::ALT), bytes("\x1bé"));
        assert_eq!(
            press(
                KeyCode::Char('c'),
                KeyModifiers::ALT | KeyModifiers::CONTROL
            ),
            bytes("\x1b\x03")
        );
        assert_eq!(press(KeyCode::Enter, KeyModifiers::ALT), bytes("\x1b\r"));
        assert_eq!(
            press(KeyCode::Backspace, KeyModifiers::ALT),
            bytes("\x1b\x7f")
        );
    }

    #[test]
    fn ctrl_letters_and_symbols_are_control_bytes() {
        let ctrl = |character| press(KeyCode::Char(character), KeyModifiers::CONTROL);
        assert_eq!(ctrl('a'), Some(vec![0x01]));
        assert_eq!(ctrl('c'), Some(vec![0x03]));
        assert_eq!(ctrl('z'), Some(vec![0x1a]));
        assert_eq!(
            press(
                KeyCode::Char('C'),
                KeyModifiers::CONTROL | KeyModifiers::SHIFT
            ),
            Some(vec![0x03])
        );
        assert_eq!(ctrl('@'), Some(vec![0]));
        assert_eq!(ctrl(' '), Some(vec![0]));
        assert_eq!(ctrl('['), Some(vec![0x1b]));
        assert_eq!(ctrl('\\'), Some(vec![0x1c]));
        assert_eq!(ctrl(']'), Some(vec![0x1d]));
        assert_eq!(ctrl('^'), Some(vec![0x1e]));
        assert_eq!(ctrl('_'), Some(vec![0x1f]));
        assert_eq!(ctrl('2'), Some(vec![0]));
        assert_eq!(ctrl('8'), Some(vec![0x7f]));
        // No control byte: the character itself.
        assert_eq!(ctrl('1'), bytes("1"));
        assert_eq!(plain(KeyCode::Null), Some(vec![0]));
    }

    #[test]
    fn editing_keys() {
        assert_eq!(plain(KeyCode::Enter), bytes("\r"));
        assert_eq!(plain(KeyCode::Tab), bytes("\t"));
        assert_eq!(plain(KeyCode::BackTab), bytes("\x1b[Z"));
        assert_eq!(
            press(KeyCode::BackTab, KeyModifiers::SHIFT),
            bytes("\x1b[Z")
        );
        assert_eq!(plain(KeyCode::Backspace), Some(vec![0x7f]));
        assert_eq!(
            press(KeyCode::Backspace, KeyModifiers::CONTROL),
            Some(vec![0x08])
        );
        assert_eq!(plain(KeyCode::Esc), bytes("\x1b"));
        assert_eq!(plain(KeyCode::Insert), bytes("\x1b[2~"));
        assert_eq!(plain(KeyCode::Delete), bytes("\x1b[3~"));
        assert_eq!(plain(KeyCode::PageUp), bytes("\x1b[5~"));
        assert_eq!(plain(KeyCode::PageDown), bytes("\x1b[6~"));
        assert_eq!(
            press(KeyCode::Delete, KeyModifiers::CONTROL),
            bytes("\x1b[3;5~")
        );
        assert_eq!(
            press(KeyCode::PageUp, KeyModifiers::SHIFT),
            bytes("\x1b[5;2~")
        );
    }

    #[test]
    fn arrows_home_and_end_follow_the_cursor_key_mode() {
        assert_eq!(plain(KeyCode::Up), bytes("\x1b[A"));
        assert_eq!(plain(KeyCode::Down), bytes("\x1b[B"));
        assert_eq!(plain(KeyCode::Right), bytes("\x1b[C"));
        assert_eq!(plain(KeyCode::Left), bytes("\x1b[D"));
        assert_eq!(plain(KeyCode::Home), bytes("\x1b[H"));
        assert_eq!(plain(KeyCode::End), bytes("\x1b[F"));
        let application = |code| key_bytes(&KeyEvent::new(code, KeyModifiers::NONE), true);
        assert_eq!(application(KeyCode::Up), bytes("\x1bOA"));
        assert_eq!(application(KeyCode::Left), bytes("\x1bOD"));
        assert_eq!(application(KeyCode::Home), bytes("\x1bOH"));
        assert_eq!(application(KeyCode::End), bytes("\x1bOF"));
    }

    #[test]
    fn modified_arrows_carry_xterms_parameter() {
        assert_eq!(press(KeyCode::Up, KeyModifiers::SHIFT), bytes("\x1b[1;2A"));
        assert_eq!(press(KeyCode::Down, KeyModifiers::ALT), bytes("\x1b[1;3B"));
        assert_eq!(
            press(KeyCode::Right, KeyModifiers::CONTROL),
            bytes("\x1b[1;5C")
        );
        assert_eq!(
            press(KeyCode::Left, KeyModifiers::CONTROL | KeyModifiers::SHIFT),
            bytes("\x1b[1;6D")
        );
        assert_eq!(
            press(
                KeyCode::Up,
                KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT
            ),
            bytes("\x1b[1;8A")
        );
        // Modified keys use the CSI form in application mode too.
        assert_eq!(
            key_bytes(&KeyEvent::new(KeyCode::Up, KeyModifiers::CONTROL), true),
            bytes("\x1b[1;5A")
        );
        assert_eq!(
            press(KeyCode::End, KeyModifiers::CONTROL),
            bytes("\x1b[1;5F")
        );
    }

    #[test]
    fn function_keys() {
        let expected = [
            "\x1bOP", "\x1bOQ", "\x1bOR", "\x1bOS", "\x1b[15~", "\x1b[17~", "\x1b[18~", "\x1b[19~",
            "\x1b[20~", "\x1b[21~", "\x1b[23~", "\x1b[24~",
        ];
        for (number, expected) in (1..=12).zip(expected) {
            assert_eq!(plain(KeyCode::F(number)), bytes(expected), "F{number}");
        }
        assert_eq!(
            press(KeyCode::F(1), KeyModifiers::SHIFT),
            bytes("\x1b[1;2P")
        );
        assert_eq!(
            press(KeyCode::F(5), KeyModifiers::CONTROL),
            bytes("\x1b[15;5~")
        );
        assert_eq!(plain(KeyCode::F(13)), None);
        assert_eq!(plain(KeyCode::F(0)), None);
    }

    #[test]
    fn releases_and_keys_without_bytes_send_nothing() {
        let release = KeyEvent::new_with_kind(
            KeyCode::Char('a'),
            KeyModifiers::NONE,
            KeyEventKind::Release,
        );
        assert_eq!(key_bytes(&release, false), None);
        let repeat = KeyEvent::new_with_kind_and_state(
            KeyCode::Char('a'),
            KeyModifiers::NONE,
            KeyEventKind::Repeat,
            KeyEventState::NONE,
        );
        assert_eq!(key_bytes(&repeat, false), bytes("a"));
        assert_eq!(plain(KeyCode::CapsLock), None);
    }

    #[test]
    fn pastes_turn_newlines_into_returns() {
        assert_eq!(paste_bytes("ls\n", false), b"ls\r".to_vec());
        assert_eq!(paste_bytes("a\r\nb\nc", false), b"a\rb\rc".to_vec());
        assert_eq!(paste_bytes("", false), Vec::<u8>::new());
    }

    #[test]
    fn bracketed_pastes_are_wrapped_and_cannot_end_early() {
        assert_eq!(
            paste_bytes("echo hi\n", true),
            b"\x1b[200~echo hi\r\x1b[201~".to_vec()
        );
        assert_eq!(
            paste_bytes("a\x1b[201~rm -rf /\n", true),
            b"\x1b[200~arm -rf /\r\x1b[201~".to_vec()
        );
        // A marker that only appears once another is removed.
        assert_eq!(
            paste_bytes("\x1b[20\x1b[201~1~x", true),
            b"\x1b[200~x\x1b[201~".to_vec()
        );
    }
}
