//! A config file and `HELPDESK_*` variables: loading must refuse bad input, never panic.
//! The input is the TOML text, then after a NUL byte up to four `NAME=value` lines
//! (`HELPDESK_` is put before a name that lacks it).
#![no_main]

use helpdesk::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let (toml_text, env_text) = input.split_once('\0').unwrap_or((&input, ""));
    let env: Vec<(String, String)> = env_text
        .lines()
        .take(4)
        .map(|line| {
            let (name, value) = line.split_once('=').unwrap_or((line, ""));
            let name = if name.starts_with("HELPDESK_") {
                name.to_string()
            } else {
                format!("HELPDESK_{name}")
            };
            (name, value.to_string())
        })
        .collect();
    let _ = Config::from_parts(toml_text, env);
});
