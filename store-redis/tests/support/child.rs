//! The fleet tests' processes: the test binary run again as one ignored test, talking to its
//! parent in `@@ <word> …` lines on stdout.

use std::io::{BufRead, BufReader};
use std::process::{ChildStdout, Command, Stdio};

/// The test binary, set to run only the ignored test `name` (a child's side), with piped
/// stdin and stdout.
pub fn test_binary(name: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("the test binary's path"));
    command
        .args([
            name,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    command
}

/// The rest of the child's next protocol line starting with `@@ <word>`. Panics if the child
/// ends first.
pub fn read_line(stdout: &mut BufReader<ChildStdout>, word: &str) -> String {
    let prefix = format!("@@ {word}");
    let mut line = String::new();
    loop {
        line.clear();
        let n = stdout.read_line(&mut line).expect("the child's output");
        assert!(n > 0, "a child ended before saying {word}");
        // The test harness may have printed the test's name on the same line.
        if let Some(at) = line.find(&prefix) {
            return line[at + prefix.len()..].trim().to_owned();
        }
    }
}
