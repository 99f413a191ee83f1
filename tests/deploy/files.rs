//! Reading the shipped deployment files, and what the binary says about itself (`--help`).

use std::path::Path;
use std::process::Command;

use crate::cli::process::BINARY;

/// The name cargo gives the binary (what a Dockerfile must copy and run).
pub fn binary_name() -> String {
    Path::new(BINARY)
        .file_name()
        .expect("binary file name")
        .to_string_lossy()
        .into_owned()
}

pub fn repository_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// `fly.toml`, parsed.
pub fn fly_toml() -> toml::Table {
    repository_file("fly.toml")
        .parse()
        .expect("fly.toml is TOML")
}

/// `[env]` of `fly.toml`, as (name, value) pairs.
pub fn fly_env(fly: &toml::Table) -> Vec<(String, String)> {
    fly.get("env")
        .and_then(|env| env.as_table())
        .map(|env| {
            env.iter()
                .map(|(name, value)| {
                    let value = value.as_str().expect("[env] values are strings");
                    (name.clone(), value.to_owned())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A setting as Fly runs the binary: `[env]` if it sets it, else the binary's own default.
pub fn effective_setting(fly: &toml::Table, variable: &str) -> String {
    fly_env(fly)
        .into_iter()
        .find(|(name, _)| name == variable)
        .map(|(_, value)| value)
        .unwrap_or_else(|| help_default(&["serve"], variable))
}

/// `fly.toml`'s `kill_timeout` in seconds (an integer, or a duration such as "30s", "1m0s").
pub fn kill_timeout_seconds(fly: &toml::Table) -> u64 {
    match fly.get("kill_timeout").expect("kill_timeout is set") {
        toml::Value::Integer(seconds) => u64::try_from(*seconds).expect("positive"),
        toml::Value::String(text) => {
            let (minutes, rest) = text.split_once('m').unwrap_or(("0", text));
            let seconds = rest.trim_end_matches('s');
            minutes.parse::<u64>().expect("minutes") * 60 + seconds.parse::<u64>().unwrap_or(0)
        }
        other => panic!("kill_timeout is {other:?}"),
    }
}

/// `auth-mirror <args> --help`.
pub fn help(args: &[&str]) -> String {
    let output = Command::new(BINARY)
        .args(args)
        .arg("--help")
        .env_clear()
        .output()
        .expect("run --help");
    assert!(output.status.success(), "{args:?} --help failed");
    String::from_utf8(output.stdout).expect("UTF-8 help")
}

/// The subcommands `auth-mirror --help` lists.
pub fn subcommands() -> Vec<String> {
    help(&[])
        .lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect()
}

/// The `[default: ...]` that `--help` shows for the flag read from `variable`.
pub fn help_default(args: &[&str], variable: &str) -> String {
    let help = help(args);
    let from = help
        .find(&format!("[env: {variable}="))
        .unwrap_or_else(|| panic!("--help does not mention {variable}:\n{help}"));
    let rest = &help[from..];
    let start = rest.find("[default: ").expect("a default") + "[default: ".len();
    rest[start..][..rest[start..].find(']').unwrap()].to_owned()
}

/// One Dockerfile instruction: keyword (upper case) and its arguments.
#[derive(Debug, Clone)]
pub struct Instruction {
    pub keyword: String,
    pub arguments: String,
}

impl Instruction {
    /// Exec form (`["a", "b"]`) or shell form, as words.
    pub fn words(&self) -> Vec<String> {
        serde_json::from_str(&self.arguments).unwrap_or_else(|_| {
            self.arguments
                .split_whitespace()
                .map(str::to_owned)
                .collect()
        })
    }
}

/// The `Dockerfile`'s stages (each starting with its `FROM`), continuations joined and
/// comments dropped.
pub fn dockerfile_stages() -> Vec<Vec<Instruction>> {
    let text = repository_file("Dockerfile").replace("\\\n", " ");
    let mut stages: Vec<Vec<Instruction>> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (keyword, arguments) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let instruction = Instruction {
            keyword: keyword.to_uppercase(),
            arguments: arguments.trim().to_owned(),
        };
        if instruction.keyword == "FROM" {
            stages.push(Vec::new());
        }
        stages
            .last_mut()
            .expect("the Dockerfile starts with FROM")
            .push(instruction);
    }
    stages
}

/// The last instruction of `keyword` in `stage`.
pub fn last<'a>(stage: &'a [Instruction], keyword: &str) -> Option<&'a Instruction> {
    stage.iter().rev().find(|i| i.keyword == keyword)
}
