//! `ent-bot` as a process of its own, with only the environment given (as a deployment
//! runs it), and a guard that kills it when the test ends.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};

/// `ent-bot args…` with `env` and nothing else from the test's environment but `PATH`.
pub fn ent_bot(env: &BTreeMap<String, String>, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ent-bot"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env)
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Kills the child when the test ends, whatever happens.
pub struct Running(pub std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
