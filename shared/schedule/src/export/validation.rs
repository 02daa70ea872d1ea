//! The exports checked against the schemas apps read them by (`../shared/reference` beside the
//! project): the c3voc JSON with the `jsonschema` crate, the frab XML with python `xmlschema`
//! from `.venv/validators` (which `make test` installs). For tests: they panic when a validator
//! itself cannot run, so that a missing validator never passes for a valid export.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

/// A file of the published reference schemas.
pub fn reference(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reference")
        .join(name)
}

/// Every violation of the c3voc schedule schema in `instance`, each with where it is.
pub fn c3voc_json_errors(instance: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(reference("schedule.schema.json")).expect("the JSON schema"),
    )
    .expect("the schema is JSON");
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft6)
        .should_validate_formats(true)
        .build(&schema)
        .expect("a valid schema");
    validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect()
}

/// Validates `xml` against the frab XSD; `Err` lists the problems.
pub fn frab_xml_errors(xml: &[u8]) -> Result<(), String> {
    let python =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/validators/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `make .venv/validators/.installed` (part of `make test`)",
        python.display()
    );
    let script = "import sys, xmlschema\n\
                  schema = xmlschema.XMLSchema(sys.argv[1])\n\
                  errors = [str(e) for e in schema.iter_errors(sys.stdin.buffer)]\n\
                  print('\\n\\n'.join(errors))\n\
                  sys.exit(1 if errors else 0)\n";
    let mut child = Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(reference("schedule.xml.xsd"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(xml)
        .expect("xml written");
    let output = child.wait_with_output().expect("python ends");
    match output.status.code() {
        Some(0) => Ok(()),
        Some(1) => Err(String::from_utf8_lossy(&output.stdout).into_owned()),
        _ => panic!(
            "the XSD validator failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}
