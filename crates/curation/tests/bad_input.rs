//! Issue §5: every bad input is refused with a typed error before anything is computed, and the
//! weight-underflow condition is reported as a typed warning.

use curation::data::DataSpec;
use curation::dynamics::{run_dynamics, DynamicsSettings};
use curation::experiments::{e1, e3, e4, e5, e6, e7, e9};
use curation::loops::{run_loop, LoopConfig};
use curation::models::{Bandwidth, ModelSpec};
use curation::names::{
    Choices, CurationRule, DataKind, Evaluator, ModelKind, RewardKind, Rule, Scale,
};
use curation::operator::{Operator, StepSettings};
use curation::reward::Reward;
use curation::support::{read_support, Support};
use curation::{Error, Warning};

fn invalid_name(e: Error) -> &'static str {
    match e {
        Error::Invalid(i) => i.name,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn base_loop() -> LoopConfig {
    LoopConfig::new(
        ModelSpec::default_for(ModelKind::Gaussian),
        DataSpec::default_for(DataKind::Gaussian),
        Reward::default_for(RewardKind::Linear, 1),
        100,
        0.0,
        2,
    )
}

#[test]
fn bad_probabilities_and_rewards_are_refused_with_the_column_and_atom() {
    let e = Support::new(vec![0.0, 1.0], vec![0.5, f64::NAN], None).unwrap_err();
    assert!(
        matches!(
            e,
            Error::NonFinite {
                column: "p0",
                atom: 1,
                ..
            }
        ),
        "{e:?}"
    );
    let e = Support::new(vec![0.0, f64::INFINITY], vec![0.5, 0.5], None).unwrap_err();
    assert!(matches!(
        e,
        Error::NonFinite {
            column: "reward",
            atom: 1,
            ..
        }
    ));
    let e = Support::new(vec![0.0, 1.0], vec![1.5, -0.5], None).unwrap_err();
    assert!(matches!(
        e,
        Error::NegativeProbability {
            column: "p0",
            atom: 1,
            ..
        }
    ));
    let e = Support::new(vec![0.0, 1.0], vec![0.5, 0.5], Some(vec![0.5, 0.6])).unwrap_err();
    match e {
        Error::NotNormalised { column, off_by, .. } => {
            assert_eq!(column, "p_data");
            assert!((off_by - 0.1).abs() < 1e-12);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        Support::new(vec![], vec![], None),
        Err(Error::EmptySupport)
    ));
    // The file reader says by how much the sum is off.
    let e = read_support("reward,p0\n0,0.25\n1,0.25\n".as_bytes()).unwrap_err();
    assert!(e.to_string().contains("off 1 by 5.000e-1"), "{e}");
    let e = read_support("reward,p0\n0,0.5\n1\n".as_bytes()).unwrap_err();
    assert!(matches!(e, Error::RaggedRow { line: 3, .. }));
    assert!(matches!(
        read_support("reward\n0\n".as_bytes()),
        Err(Error::MissingColumn { column: "p0" })
    ));
}

#[test]
fn k_zero_lambda_negative_and_zero_rounds_are_refused_by_every_entry_point() {
    let s = curation::examples::worked();
    let step = |k| StepSettings::softmax(k);
    assert_eq!(
        invalid_name(Operator::new(s.reward(), step(Choices::Finite(0))).unwrap_err()),
        "K"
    );
    assert_eq!(invalid_name("0".parse::<Choices>().unwrap_err()), "K");
    let dyn_settings = |k, lambda, rounds| DynamicsSettings {
        step: step(k),
        lambda,
        rounds,
    };
    let run = |d: DynamicsSettings| run_dynamics(&s, &d, |_, _| {}).unwrap_err();
    assert_eq!(
        invalid_name(run(dyn_settings(Choices::Finite(0), 0.0, 1))),
        "K"
    );
    assert_eq!(
        invalid_name(run(dyn_settings(Choices::Finite(2), -0.1, 1))),
        "lambda"
    );
    assert_eq!(
        invalid_name(run(dyn_settings(Choices::Finite(2), f64::NAN, 1))),
        "lambda"
    );
    assert_eq!(
        invalid_name(run(dyn_settings(Choices::Finite(2), 0.0, 0))),
        "rounds"
    );

    let mut c = base_loop();
    c.k = Choices::Finite(0);
    assert_eq!(invalid_name(run_loop(&c).unwrap_err()), "K");
    let mut c = base_loop();
    c.lambda = -1.0;
    assert_eq!(invalid_name(c.validate().unwrap_err()), "lambda");
    let mut c = base_loop();
    c.schedule.rounds = 0;
    assert_eq!(invalid_name(c.validate().unwrap_err()), "rounds");
    let mut c = base_loop();
    c.n = 0;
    assert_eq!(invalid_name(c.validate().unwrap_err()), "n");
    let mut c = base_loop();
    c.schedule.seeds = 0;
    assert_eq!(invalid_name(c.validate().unwrap_err()), "seeds");
    let mut c = base_loop();
    c.schedule.tau = 0.0;
    assert_eq!(invalid_name(c.validate().unwrap_err()), "tau");
    let mut c = base_loop();
    c.k = Choices::Infinite;
    assert!(matches!(c.validate(), Err(Error::InfiniteK { .. })));
}

#[test]
fn huge_and_inconsistent_loop_settings_are_refused_before_computing() {
    let mut c = base_loop();
    c.k = Choices::Finite(u32::MAX);
    c.m = usize::MAX / 2;
    assert!(c.validate().is_err());
    let mut c = base_loop();
    c.schedule.rule = CurationRule::PoolSoftmax;
    c.k = Choices::Finite(1 << 20);
    c.m = 1 << 19;
    c.n = 1 << 19;
    assert!(
        matches!(c.validate(), Err(Error::TooMuchMemory { .. })),
        "{:?}",
        c.validate()
    );
    let mut c = base_loop();
    c.schedule.seed = u64::MAX;
    c.schedule.seeds = 2;
    assert_eq!(invalid_name(c.validate().unwrap_err()), "seed");
    // A classifier reward on point data, a 2-D reward on 1-D data.
    let mut c = base_loop();
    c.reward = Reward::default_for(RewardKind::Confidence, 1);
    assert!(matches!(c.validate(), Err(Error::UnsupportedReward { .. })));
    let mut c = base_loop();
    c.reward = Reward::default_for(RewardKind::Clipped, 2);
    assert!(matches!(c.validate(), Err(Error::Dimension { .. })));
    // A mixture with more components than training points.
    let mut c = base_loop();
    c.model = ModelSpec::default_for(ModelKind::Gmm);
    c.n = 5;
    c.m = 5;
    assert!(matches!(c.validate(), Err(Error::TooFewPoints { .. })));
    let mut c = base_loop();
    c.model = ModelSpec::Kde {
        bandwidth: Bandwidth::Fixed(-1.0),
    };
    assert!(c.validate().is_err());
    // Brute force refuses supports it cannot enumerate.
    let big = Support::new((0..50).map(f64::from).collect(), vec![0.02; 50], None).unwrap();
    let s = StepSettings {
        evaluator: Evaluator::Brute,
        ..StepSettings::softmax(Choices::Finite(8))
    };
    assert!(matches!(
        Operator::new(big.reward(), s).unwrap().h(big.p0()),
        Err(Error::TooManyTerms { .. })
    ));
}

#[test]
fn unknown_rule_model_mode_and_data_names_are_refused_by_deserialisation() {
    assert!(serde_json::from_str::<Rule>("\"hardmax\"").is_ok());
    assert!(serde_json::from_str::<Rule>("\"argmax\"").is_err());
    assert!(serde_json::from_str::<CurationRule>("\"kwise-hardmax\"").is_ok());
    assert!(serde_json::from_str::<CurationRule>("\"pool_softmax\"").is_err());
    assert!(serde_json::from_str::<ModelKind>("\"flow\"").is_err());
    assert!(serde_json::from_str::<Evaluator>("\"quadrature\"").is_err());
    assert!(serde_json::from_str::<Choices>("\"inf\"").is_ok());
    assert!(serde_json::from_str::<Choices>("0").is_err());
    // A config round-trips through JSON with kebab-case names.
    let c = e7::E7Config::preset(Scale::Quick);
    let text = serde_json::to_string(&c).unwrap();
    assert!(
        text.contains("\"kwise\"") && text.contains("\"gmm8\"") && text.contains("\"moon-tube\"")
    );
    assert_eq!(serde_json::from_str::<e7::E7Config>(&text).unwrap(), c);
    let bad = text.replace("\"kwise\"", "\"k-wise\"");
    assert!(serde_json::from_str::<e7::E7Config>(&bad).is_err());
}

#[test]
fn experiment_configs_refuse_bad_settings_before_computing() {
    let mut c = e1::E1Config::preset(Scale::Quick);
    c.max_atoms = 100;
    assert!(c.validate().is_err());
    let mut c = e3::E3Config::preset(Scale::Quick);
    c.gammas.clear();
    assert!(e3::run(&c).is_err());
    let mut c = e3::E3Config::preset(Scale::Quick);
    c.snapshot_rounds = vec![51];
    assert!(c.validate().is_err());
    let mut c = e4::E4Config::preset(Scale::Quick);
    c.lambdas = vec![-0.5];
    assert_eq!(invalid_name(e4::run(&c).unwrap_err()), "lambda");
    let mut c = e5::E5Config::preset(Scale::Quick);
    c.rewards = vec![RewardKind::Clipped];
    assert!(matches!(c.validate(), Err(Error::UnsupportedReward { .. })));
    let mut c = e6::E6Config::preset(Scale::Quick);
    c.cases[0].n = 0;
    assert!(c.validate().is_err());
    let mut c = e9::E9Config::preset(Scale::Quick);
    c.n = 5000;
    assert!(c.validate().is_err());
    let mut c = e9::E9Config::preset(Scale::Quick);
    c.rewards = vec![Reward::default_for(RewardKind::Clipped, 2)];
    assert!(c.validate().is_err());
    for c in [
        e6::E6Config::preset(Scale::Full).memory_bytes(),
        e7::E7Config::preset(Scale::Full).memory_bytes(),
    ] {
        assert!(c > 0 && c < 16 << 30);
    }
}

#[test]
fn weights_that_underflow_give_h_zero_and_one_warning_naming_the_atoms() {
    // Rewards spread over 800 nats: e^{−800} = 0 in f64 for two of the four atoms.
    let s = Support::new(vec![0.0, -1.0, -800.0, -900.0], vec![0.25; 4], None).unwrap();
    for evaluator in [Evaluator::Laplace, Evaluator::Levels, Evaluator::Brute] {
        let settings = StepSettings {
            evaluator,
            ..StepSettings::softmax(Choices::Finite(3))
        };
        let step = Operator::new(s.reward(), settings)
            .unwrap()
            .step(s.p0(), None)
            .unwrap();
        assert_eq!(step.h[2], 0.0);
        assert_eq!(step.h[3], 0.0);
        assert!(step.h[0] > 1.0 && step.p_next.iter().all(|p| p.is_finite()));
        assert_eq!(step.warnings.len(), 1);
        match &step.warnings[0] {
            Warning::WeightUnderflow { atoms, spread } => {
                assert_eq!(*atoms, 2);
                assert_eq!(*spread, 900.0);
            }
            w => panic!("{w:?}"),
        }
    }
    // Over a trajectory the warning appears once.
    let traj = run_dynamics(
        &s,
        &DynamicsSettings {
            step: StepSettings::softmax(Choices::Finite(3)),
            lambda: 0.0,
            rounds: 5,
        },
        |_, _| {},
    )
    .unwrap();
    assert_eq!(traj.warnings.len(), 1);
}
