//! `theorylab curation …` and `reproduce curation`: the command-line contract of issue §2 and
//! §5 (refusals with one line, exit code 2, nothing written), determinism across thread counts,
//! run directories, and the quick reproduction's claims.

mod common;
use common::*;

use std::path::{Path, PathBuf};

/// Writes `text` as a support file in `dir` and returns its path.
fn support_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn csv_column(text: &str, column: &str) -> Vec<String> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let j = header.iter().position(|c| *c == column).unwrap();
    lines
        .map(|l| l.split(',').nth(j).unwrap().to_string())
        .collect()
}

const WORKED: &str = "reward,p0\n0,0.5\n1,0.3\n2,0.2\n";

/// The `column` of `step --format csv` on `support` with `flags`, as numbers.
fn step_column(support: &Path, flags: &[&str], column: &str) -> Vec<f64> {
    let mut args = vec![
        "curation",
        "step",
        "--support",
        support.to_str().unwrap(),
        "--format",
        "csv",
    ];
    args.extend_from_slice(flags);
    let out = stdout(&theorylab(&args));
    assert_eq!(out.lines().next(), Some("atom,reward,p,h,p_next"));
    csv_column(&out, column)
        .iter()
        .map(|x| x.parse().unwrap())
        .collect()
}

#[test]
fn step_prints_h_and_p_next_of_the_worked_example() {
    let dir = scratch("step");
    let support = support_file(&dir, "worked.csv", WORKED);
    for evaluator in ["levels", "laplace", "brute"] {
        let flags = ["--k", "4", "--evaluator", evaluator];
        // Spec §4: H^4 = (0.52312, 1.12617, 2.00295), p_1 = (0.26156, 0.33785, 0.40059).
        let h = step_column(&support, &flags, "h");
        let p = step_column(&support, &flags, "p_next");
        for (got, want) in h.iter().zip([0.52312, 1.12617, 2.00295]) {
            assert!((got - want).abs() < 1e-5, "{evaluator}: H {got} vs {want}");
        }
        for (got, want) in p.iter().zip([0.26156, 0.33785, 0.40059]) {
            assert!((got - want).abs() < 1e-5, "{evaluator}: p {got} vs {want}");
        }
    }
    // K = ∞ is the replicator step p·e^r/E e^r, computed here independently.
    let z: f64 = 0.5 + 0.3 * 1f64.exp() + 0.2 * 2f64.exp();
    let p = step_column(&support, &["--k", "inf"], "p_next");
    for (i, got) in p.iter().enumerate() {
        let want = [0.5, 0.3, 0.2][i] * (i as f64).exp() / z;
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    }
    // With real data at λ = 1: p_1 = ½ p_data + ½ p H.
    let q = step_column(&support, &["--k", "inf", "--lambda", "1"], "p_next");
    for i in 0..3 {
        let want = 0.5 * [0.5, 0.3, 0.2][i] + 0.5 * p[i];
        assert!((q[i] - want).abs() < 1e-12);
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn dynamics_csv_has_the_issue_header_and_one_row_per_k_lambda_round() {
    let out = stdout(&theorylab(&[
        "curation",
        "dynamics",
        "--example",
        "worked",
        "--k",
        "2,4,inf",
        "--lambda",
        "0,1",
        "--rounds",
        "5",
        "--format",
        "csv",
    ]));
    assert_eq!(
        out.lines().next(),
        Some("k,lambda,round,expected_reward,expected_weight,q_top,kl_target,kl_data_model,kl_model_data,entropy,drift")
    );
    assert_eq!(out.lines().count(), 1 + 3 * 2 * 6);
    // Round 0 is p_0 = (0.5, 0.3, 0.2): E r = 0.7, q = 0.2, KL(p*‖p_0) = ln 5.
    let first: Vec<&str> = out.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(&first[..3], ["2", "0.0", "0"]);
    assert!((first[3].parse::<f64>().unwrap() - 0.7).abs() < 1e-15);
    assert!((first[6].parse::<f64>().unwrap() - 5f64.ln()).abs() < 1e-12);
    // K = ∞, λ = 0 after 5 rounds: p_5 ∝ p_0 e^{5r}.
    let row = out
        .lines()
        .find(|l| l.starts_with("inf,0.0,5,"))
        .unwrap()
        .split(',')
        .map(String::from)
        .collect::<Vec<_>>();
    let w: Vec<f64> = (0..3)
        .map(|i| [0.5, 0.3, 0.2][i] * (5.0 * i as f64).exp())
        .collect();
    let q5 = w[2] / w.iter().sum::<f64>();
    assert!((row[5].parse::<f64>().unwrap() - q5).abs() < 1e-12);
}

#[test]
fn dynamics_out_writes_distribution_and_figures_with_their_csvs() {
    let dir = scratch("dynamics-out");
    let out = dir.join("run");
    let result = theorylab(&[
        "curation",
        "dynamics",
        "--example",
        "classes",
        "--k",
        "4",
        "--lambda",
        "0,1",
        "--rounds",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    stdout(&result);
    let dist = std::fs::read_to_string(out.join("distribution.csv")).unwrap();
    assert_eq!(dist.lines().next(), Some("k,lambda,round,atom,p"));
    // Each (λ, round) distribution sums to 1.
    let mut sums = std::collections::BTreeMap::<(String, String), f64>::new();
    for l in dist.lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        *sums.entry((f[1].into(), f[2].into())).or_default() += f[4].parse::<f64>().unwrap();
    }
    assert_eq!(sums.len(), 2 * 4);
    assert!(sums.values().all(|s| (s - 1.0).abs() < 1e-12), "{sums:?}");
    for stem in [
        "expected_reward",
        "expected_weight",
        "non_top_mass",
        "kl_model_data",
    ] {
        for ext in ["png", "svg", "csv"] {
            assert!(out.join(format!("{stem}.{ext}")).exists(), "{stem}.{ext}");
        }
    }
    assert!(out.join("summary.json").exists() && out.join("config.json").exists());
    let _ = std::fs::remove_dir_all(dir);
}

const LOOP: &[&str] = &[
    "curation", "loop", "--model", "gmm", "--data", "gmm8", "--n", "300", "--k", "4", "--lambda",
    "0.5", "--rounds", "3", "--seeds", "3", "--seed", "7", "--format", "csv",
];

#[test]
fn loop_csv_is_byte_identical_at_one_and_two_threads() {
    let one = theorylab(&[&["--threads", "1"], LOOP].concat());
    let two = theorylab(&[&["--threads", "2"], LOOP].concat());
    let text = stdout(&one);
    assert!(two.status.success());
    assert_eq!(one.stdout, two.stdout);
    // One row per (seed, round): seeds 7, 8, 9 × rounds 0..=3.
    assert_eq!(text.lines().count(), 1 + 3 * 4);
    let seeds = csv_column(&text, "seed");
    assert_eq!(seeds.iter().filter(|s| *s == "9").count(), 4);
    assert!(text
        .lines()
        .next()
        .unwrap()
        .starts_with("mode,k,lambda,seed,round,"));
}

#[test]
fn loop_out_writes_rounds_csv_and_band_figures() {
    let dir = scratch("loop-out");
    let out = dir.join("run");
    let args: Vec<&str> = [
        &LOOP[..LOOP.len() - 2],
        &["--format", "table", "--out", out.to_str().unwrap()],
    ]
    .concat();
    let table = stdout(&theorylab(&args));
    // The human table: mean ± sd over the 3 seeds per round.
    assert!(table.contains("mean_reward_sd") && table.contains("seeds"));
    let rounds = std::fs::read_to_string(out.join("rounds.csv")).unwrap();
    assert_eq!(
        rounds.lines().next(),
        Some("mode,k,lambda,round,seed,metric,value")
    );
    for stem in ["mean_reward", "top_share"] {
        for ext in ["png", "svg", "csv"] {
            assert!(out.join(format!("{stem}.{ext}")).exists(), "{stem}.{ext}");
        }
    }
    // The same configuration reruns into its directory; another is refused.
    stdout(&theorylab(&args));
    let mut other = args.clone();
    let i = other.iter().position(|a| *a == "--rounds").unwrap();
    other[i + 1] = "4";
    let refused = theorylab(&other);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--out"));
    let _ = std::fs::remove_dir_all(dir);
}

/// Runs `args` with `--out` under a fresh directory and checks the refusal: exit code 2, one
/// line starting `error:` that contains `needle`, nothing written.
fn assert_refused(args: &[&str], needle: &str) {
    let dir = scratch("refused");
    let out = dir.join("run");
    let mut full: Vec<&str> = args.to_vec();
    let out_s = out.to_str().unwrap().to_string();
    full.extend(["--out", &out_s]);
    let result = theorylab(&full);
    let stderr = String::from_utf8_lossy(&result.stderr).to_string();
    assert_eq!(result.status.code(), Some(2), "{args:?}: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{args:?}: {stderr}");
    assert!(lines[0].starts_with("error:"), "{stderr}");
    assert!(
        lines[0].contains(needle),
        "{args:?}: {stderr} lacks {needle}"
    );
    assert!(!out.exists(), "{args:?} wrote {}", out.display());
    assert!(result.stdout.is_empty());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn every_bad_input_of_the_issue_is_refused_with_one_line_and_nothing_written() {
    let dir = scratch("bad-supports");
    let file = |name: &str, text: &str| support_file(&dir, name, text);
    let cases = [
        ("negative.csv", "reward,p0\n0,0.5\n1,-0.3\n2,0.8\n", "≥ 0"),
        ("nan_p.csv", "reward,p0\n0,NaN\n1,0.5\n", "p0"),
        ("inf_reward.csv", "reward,p0\ninf,0.5\n1,0.5\n", "finite"),
        ("nan_reward.csv", "reward,p0\nNaN,0.5\n1,0.5\n", "finite"),
        (
            "sum.csv",
            "reward,p0\n0,0.5\n1,0.3\n2,0.3\n",
            "off 1 by 1.000e-1",
        ),
        (
            "pdata_sum.csv",
            "reward,p0,p_data\n0,0.5,0.5\n1,0.5,0.6\n",
            "p_data",
        ),
        ("no_p0.csv", "reward\n0\n1\n", "p0"),
        ("ragged.csv", "reward,p0\n0,0.5\n1,0.3,4\n2,0.2\n", "fields"),
    ];
    let mut paths = Vec::new();
    for (name, text, needle) in cases {
        paths.push((file(name, text), needle));
    }
    let worked = file("worked.csv", WORKED);
    for (path, needle) in &paths {
        let p = path.to_str().unwrap();
        assert_refused(&["curation", "step", "--support", p, "--k", "4"], needle);
        assert_refused(
            &[
                "curation",
                "dynamics",
                "--support",
                p,
                "--k",
                "4",
                "--lambda",
                "0",
                "--rounds",
                "2",
            ],
            needle,
        );
    }
    let w = worked.to_str().unwrap();
    let missing = dir.join("missing.csv");
    assert_refused(
        &[
            "curation",
            "step",
            "--support",
            missing.to_str().unwrap(),
            "--k",
            "4",
        ],
        "--support",
    );
    // K = 0, λ < 0, rounds = 0, unknown rule.
    assert_refused(&["curation", "step", "--support", w, "--k", "0"], "--k");
    assert_refused(
        &[
            "curation",
            "step",
            "--support",
            w,
            "--k",
            "4",
            "--lambda",
            "-1",
        ],
        "--lambda",
    );
    assert_refused(
        &[
            "curation",
            "step",
            "--support",
            w,
            "--k",
            "4",
            "--lambda",
            "nan",
        ],
        "--lambda",
    );
    assert_refused(
        &[
            "curation",
            "step",
            "--support",
            w,
            "--k",
            "4",
            "--rule",
            "argmax",
        ],
        "--rule",
    );
    let dynamics = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut v = vec!["curation", "dynamics", "--example", "worked"];
        v.extend_from_slice(extra);
        v
    };
    assert_refused(
        &dynamics(&["--k", "2,0", "--lambda", "0", "--rounds", "2"]),
        "--k",
    );
    assert_refused(
        &dynamics(&["--k", "2", "--lambda", "0,-0.5", "--rounds", "2"]),
        "--lambda",
    );
    assert_refused(
        &dynamics(&["--k", "2", "--lambda", "0", "--rounds", "0"]),
        "--rounds",
    );
    assert_refused(
        &dynamics(&["--k", "2", "--lambda", "0", "--rounds", "2", "--gamma", "2"]),
        "--gamma",
    );
    let grid8 = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut v = vec![
            "curation",
            "dynamics",
            "--example",
            "grid8",
            "--k",
            "2",
            "--lambda",
            "0",
            "--rounds",
            "2",
        ];
        v.extend_from_slice(extra);
        v
    };
    assert_refused(&grid8(&["--gamma", "-1"]), "--gamma");
    assert_refused(&grid8(&["--reward", "airplane"]), "airplane");
    // The loop with one flag changed (or added).
    let lp = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut v = vec![
            "curation", "loop", "--model", "gaussian", "--data", "gaussian", "--n", "100", "--k",
            "4", "--lambda", "0", "--rounds", "2", "--seeds", "2",
        ];
        match v.iter().position(|a| *a == extra[0]) {
            Some(i) => v[i + 1] = extra[1],
            None => v.extend_from_slice(extra),
        }
        v
    };
    assert_refused(&lp(&["--n", "0"]), "--n");
    assert_refused(&lp(&["--k", "0"]), "--k");
    assert_refused(&lp(&["--k", "inf"]), "K");
    assert_refused(&lp(&["--lambda", "-0.5"]), "--lambda");
    assert_refused(&lp(&["--rounds", "0"]), "--rounds");
    assert_refused(&lp(&["--seeds", "0"]), "--seeds");
    assert_refused(&lp(&["--model", "vae"]), "--model");
    assert_refused(&lp(&["--mode", "best-of"]), "--mode");
    assert_refused(&lp(&["--reward", "airplane"]), "airplane");
    assert_refused(
        &[
            "curation", "digits", "--k", "4", "--lambda", "0", "--rounds", "0", "--seeds", "1",
        ],
        "--rounds",
    );
    assert_refused(
        &[
            "curation", "digits", "--k", "0", "--lambda", "0", "--rounds", "2", "--seeds", "1",
        ],
        "--k",
    );
    assert_refused(
        &[
            "curation", "digits", "--k", "4", "--lambda", "-1", "--rounds", "2", "--seeds", "1",
        ],
        "--lambda",
    );
    assert_refused(
        &[
            "curation", "digits", "--k", "4", "--lambda", "0", "--rounds", "2", "--seeds", "1",
            "--reward", "clipped",
        ],
        "--reward",
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn underflowing_weights_warn_once_and_name_the_atoms() {
    let dir = scratch("underflow");
    let support = support_file(
        &dir,
        "wide.csv",
        "reward,p0\n0,0.25\n1,0.25\n900,0.25\n1000,0.25\n",
    );
    let result = theorylab(&[
        "curation",
        "dynamics",
        "--support",
        support.to_str().unwrap(),
        "--k",
        "4",
        "--lambda",
        "0",
        "--rounds",
        "3",
        "--format",
        "csv",
    ]);
    let stderr = String::from_utf8_lossy(&result.stderr).to_string();
    assert!(result.status.success(), "{stderr}");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    // Atoms with reward 0 and 1 lie ≥ 999 nats below r* = 1000: both get H = 0.
    assert!(
        warnings[0].contains("2 atoms") && warnings[0].contains("H = 0"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn reproduce_quick_checks_every_claim_and_writes_the_report() {
    // The whole quick scale: E1–E5 exact, E6/E7/E9 reduced (about a minute on 2 quiet cores).
    let out = scratch("reproduce");
    let result = theorylab(&[
        "--quiet",
        "reproduce",
        "curation",
        "--quick",
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(0), "{stderr}");
    let claims: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
    let rows = claims.as_array().unwrap();
    let ids = |verdict: &str| -> Vec<&str> {
        rows.iter()
            .filter(|c| c["verdict"] == verdict)
            .map(|c| c["id"].as_str().unwrap())
            .collect()
    };
    let checked = [
        "e1-evaluators-agree",
        "e1-worked-example",
        "e1-samplers-match",
        "t4-expected-weight-gain",
        "monotone-under-curation",
        "t5-runner-up-rate",
        "t2-one-over-k",
        "kl-target-identity",
        "collapse-onto-top-set",
        "t6-bounds",
        "modes-keep-mass",
        "a5-fixed-point",
        "t7-covariance-identity",
        "airplane-share-rises",
        "confidence-entropy",
        "t8-gaussian-moments",
        "k1-variance-decay",
        "e7-gmm8-reward-rises",
        "e7-gmm8-real-data-diversifies",
        "e7-moons-reward-rises",
        "e7-moons-real-data-diversifies",
        "e9-airplane-reward-rises",
        "e9-airplane-real-data-diversifies",
        "e9-confidence-reward-rises",
        "e9-confidence-real-data-diversifies",
    ];
    assert_eq!(ids("pass"), checked, "failed: {:?}", ids("fail"));
    assert!(ids("no-prediction").is_empty());
    assert_eq!(rows.len(), checked.len());
    // Stand-ins: the sample-based loops and the paper's claims checked on exact toy laws.
    for c in rows {
        let id = c["id"].as_str().unwrap();
        let must = id.starts_with("e7-")
            || id.starts_with("e9-")
            || matches!(
                id,
                "collapse-onto-top-set"
                    | "airplane-share-rises"
                    | "confidence-entropy"
                    | "t8-gaussian-moments"
            );
        let kind = c["setting"]["kind"].as_str().unwrap();
        assert_eq!(kind == "stand-in", must, "{id}: setting {kind}");
    }
    // Every figure has its CSV, in the system's folder; the report holds every section.
    let files = out.join("curation");
    let figures: Vec<String> = std::fs::read_dir(&files)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".png"))
        .collect();
    assert!(figures.len() >= 20, "{figures:?}");
    for png in &figures {
        let stem = png.trim_end_matches(".png");
        assert!(files.join(format!("{stem}.csv")).exists(), "{stem}.csv");
        assert!(files.join(format!("{stem}.svg")).exists(), "{stem}.svg");
    }
    for stem in [
        "e2_non_top_mass",
        "e3_triptych_p_star",
        "e4_kl_model_data",
        "e9_airplane_recall",
    ] {
        assert!(figures.contains(&format!("{stem}.png")), "{stem}");
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for section in ["E1:", "E2:", "E3:", "E4:", "E5:", "E6:", "E7:", "E9:"] {
        assert!(html.contains(section), "report lacks {section}");
    }
    let _ = std::fs::remove_dir_all(out);
}
