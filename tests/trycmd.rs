//! CLI behaviour pinned as transcripts (tests/cmd). Regenerate with TRYCMD=overwrite after a
//! deliberate change, and read the diff.

#[test]
fn cli_transcripts() {
    trycmd::TestCases::new()
        .case("tests/cmd/*.toml")
        .case("tests/cmd/*.trycmd");
}
