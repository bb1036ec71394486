//! Ending a block's processes: the whole process group, politely first (SIGTERM), then
//! for sure (SIGKILL) after a grace period. A shell that started `sleep` children leaves no
//! survivor behind.

use nix::errno::Errno;
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

/// A process group: every block runs as the leader of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Group(pub u32);

impl Group {
    fn pid(self) -> Option<Pid> {
        i32::try_from(self.0)
            .ok()
            .filter(|pid| *pid > 1)
            .map(Pid::from_raw)
    }

    /// Sends `signal` to every process in the group. Returns false when the group is gone.
    pub fn signal(self, signal: Signal) -> bool {
        let Some(pid) = self.pid() else {
            return false;
        };
        !matches!(killpg(pid, signal), Err(Errno::ESRCH))
    }

    /// True while any process of the group is alive.
    pub fn alive(self) -> bool {
        let Some(pid) = self.pid() else {
            return false;
        };
        // Signal 0 checks for existence without sending anything. A zombie leader still
        // counts until it is reaped, so callers check after `wait`.
        !matches!(nix::sys::signal::killpg(pid, None), Err(Errno::ESRCH))
    }
}
