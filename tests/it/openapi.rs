//! The API against its own OpenAPI document, with schemathesis (PyPI): generated
//! requests for every operation get no 5xx, every response matches the document, and the
//! document allows nothing the API then mostly refuses.

use std::process::Command;

use crate::helpers::{Options, TestApp};

/// schemathesis on PATH, or where pip put it (`scripts/test` installs it).
fn schemathesis() -> String {
    if let Ok(out) = Command::new("python3").args(["-c", "import shutil,sysconfig,os;print(shutil.which('schemathesis') or os.path.join(sysconfig.get_path('scripts'),'schemathesis'))"]).output() {
        let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if std::path::Path::new(&path).exists() {
            return path;
        }
    }
    panic!("schemathesis is not installed: run scripts/test (it installs it with pip)");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_keeps_to_its_own_openapi_document() {
    // Mail the generated requests cause goes nowhere: port 9 refuses it, and it waits.
    let app = TestApp::spawn_with(Options {
        smtp_port: 9,
        ..Default::default()
    })
    .await;
    let (doc, base, token) = (
        format!("{}/api/v1/openapi.json", app.base),
        format!("{}/api/v1", app.base),
        app.token.clone(),
    );
    let run = move |seed: &str| {
        Command::new(schemathesis())
            .args([
                "run",
                &doc,
                "--url",
                &base,
                "-H",
                &format!("Authorization: Bearer {token}"),
            ])
            // One worker: schemathesis' own code generation is not thread-safe on every Python.
            .args(["--max-examples", "30", "--workers", "1", "--seed", seed])
            // The seed alone decides the inputs: no examples replayed from an earlier run's
            // database (Hypothesis keeps one in the working directory, shared by every run).
            .args(["--generation-database", "none"])
            .args(["--checks", "not_a_server_error,response_schema_conformance"])
            .current_dir(std::env::temp_dir())
            .output()
            .expect("schemathesis runs")
    };
    // A server error, a response off the document, or an operation that refused every
    // valid input it was sent ("Schema validation mismatch": the document allows what the
    // API refuses) fails, under either seed. Each seed's run is the same every time: the
    // same requests, and the same answers from the same database.
    for seed in ["20261205", "20261206"] {
        let run = run.clone();
        let seed = seed.to_string();
        let out = tokio::task::spawn_blocking(move || run(&seed))
            .await
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        let tail: String = said
            .lines()
            .rev()
            .take(80)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        assert!(out.status.success(), "schemathesis found problems:\n{tail}");
        assert!(said.contains(" passed"), "{tail}");
        if let Some(at) = said.find("Schema validation mismatch:") {
            let mismatch = said[at..].lines().take(12).collect::<Vec<_>>().join("\n");
            panic!("the document allows what the API refuses:\n{mismatch}");
        }
    }
    app.stop().await;
}
