//! Child processes (moto, function instances) that never outlive the runner: killed when their
//! handle is dropped, and on Linux also by the kernel when the runner dies, even by SIGKILL.

use std::ffi::OsStr;

/// A command whose process is killed with the runner.
///
/// `PR_SET_PDEATHSIG` fires when the *thread* that forked the child exits, so spawn from the
/// async runtime's worker threads (which live as long as the runtime), not from `spawn_blocking`.
pub fn guarded_command(program: impl AsRef<OsStr>) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(program);
    command.kill_on_drop(true);
    #[cfg(target_os = "linux")]
    {
        let parent = std::process::id();
        // SAFETY: the closure runs in the forked child before exec and only calls prctl and
        // getppid, which are async-signal-safe; it allocates nothing.
        unsafe {
            command.pre_exec(move || die_with_parent(parent));
        }
    }
    command
}

#[cfg(target_os = "linux")]
fn die_with_parent(parent: u32) -> std::io::Result<()> {
    // SAFETY: plain system calls without pointers.
    if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) } == -1 {
        return Err(std::io::Error::last_os_error());
    }
    // The runner may have died between fork and prctl; then nobody would ever kill this child.
    if u32::try_from(unsafe { libc::getppid() }).ok() != Some(parent) {
        return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
    }
    Ok(())
}

/// How a child ended, in the words Lambda uses (`exit status 1`, `signal: 9`).
pub fn describe_exit(status: &std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("signal: {signal}");
        }
    }
    match status.code() {
        Some(code) => format!("exit status {code}"),
        None => "exited".to_owned(),
    }
}
