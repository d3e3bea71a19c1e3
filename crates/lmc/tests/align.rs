//! `lmc align` on files: a safetensors file written here in PyTorch's `nn.Sequential` layout
//! round-trips through the align library functions, and bad inputs are refused with typed
//! errors (issue §4, §5).

use lab::seed::{Rng, Seed};
use lmc::align::{align, AlignConfig, AlignData};
use lmc::data::gaussian;
use lmc::matching::Matcher;
use lmc::matrix::Matrix;
use lmc::mlp::{Activation, Mlp, Parameterisation};
use lmc::perm::{permute, Permutation};
use lmc::{npy, sequential, Error};
use npyz::WriterBuilder;
use rand::RngExt;
use safetensors::{Dtype, View};
use std::borrow::Cow;

/// A raw tensor for writing test files.
struct Raw {
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

impl Raw {
    fn f32(shape: &[usize], values: &[f32]) -> Raw {
        Raw {
            dtype: Dtype::F32,
            shape: shape.to_vec(),
            bytes: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        }
    }
    fn f64(shape: &[usize], values: &[f64]) -> Raw {
        Raw {
            dtype: Dtype::F64,
            shape: shape.to_vec(),
            bytes: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        }
    }
}

impl View for Raw {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.bytes)
    }
    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

/// Random f32 values in [−0.5, 0.5).
fn values(n: usize, rng: &mut Rng) -> Vec<f32> {
    (0..n).map(|_| rng.random::<f32>() - 0.5).collect()
}

/// `nn.Sequential(Linear(6, 12), ReLU, Linear(12, 10), ReLU, …, Linear(10, 4))` at module
/// indices 0, 2, 10 (so that integer order differs from string order), f32 tensors.
/// Named tensors of a file, and each layer's (weight, bias) values.
type TorchFile = (Vec<(String, Raw)>, Vec<(Vec<f32>, Vec<f32>)>);

fn pytorch_file(rng: &mut Rng) -> TorchFile {
    let shapes = [(0, 12, 6), (2, 10, 12), (10, 4, 10)];
    let mut tensors = Vec::new();
    let mut params = Vec::new();
    for (index, out, inp) in shapes {
        let w = values(out * inp, rng);
        let b = values(out, rng);
        tensors.push((format!("{index}.weight"), Raw::f32(&[out, inp], &w)));
        tensors.push((format!("{index}.bias"), Raw::f32(&[out], &b)));
        params.push((w, b));
    }
    (tensors, params)
}

fn npy_bytes_2d(values: &[f32], n: usize, d: usize) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&[n as u64, d as u64])
        .writer(&mut buf)
        .begin_nd()
        .unwrap();
    w.extend(values.iter().copied()).unwrap();
    w.finish().unwrap();
    buf
}

fn npy_labels(values: &[i64]) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&[values.len() as u64])
        .writer(&mut buf)
        .begin_nd()
        .unwrap();
    w.extend(values.iter().copied()).unwrap();
    w.finish().unwrap();
    buf
}

#[test]
fn pytorch_layout_round_trips_through_align() {
    let dir = std::env::temp_dir().join(format!("lmc-align-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Seed(1).stream("test.align", 0);
    let (tensors, params) = pytorch_file(&mut rng);
    let mut meta = std::collections::HashMap::new();
    meta.insert("format".to_string(), "pt".to_string());
    let a_path = dir.join("a.safetensors");
    std::fs::write(
        &a_path,
        safetensors::serialize(tensors, Some(meta)).unwrap(),
    )
    .unwrap();

    // A is read exactly, in module-index order 0, 2, 10.
    let a = sequential::read(&a_path, Activation::Relu).unwrap();
    assert_eq!(a.mlp.widths(), vec![6, 12, 10, 4]);
    assert_eq!(
        a.entries.iter().map(|e| e.index).collect::<Vec<_>>(),
        vec![0, 2, 10]
    );
    for (layer, (w, b)) in a.mlp.layers.iter().zip(&params) {
        assert!(layer
            .weight
            .data
            .iter()
            .zip(w)
            .all(|(x, y)| *x == f64::from(*y)));
        assert!(layer.bias.iter().zip(b).all(|(x, y)| *x == f64::from(*y)));
    }

    // B = A with hidden units permuted by ρ, stored in f64 with other metadata.
    let rho: Vec<Permutation> = [12, 10]
        .iter()
        .map(|&m| Permutation::random(m, &mut rng))
        .collect();
    let b_mlp = permute(&a.mlp, &rho).unwrap();
    let b_tensors: Vec<(String, Raw)> = [0, 2, 10]
        .iter()
        .zip(&b_mlp.layers)
        .flat_map(|(index, l)| {
            [
                (
                    format!("{index}.weight"),
                    Raw::f64(&[l.weight.rows, l.weight.cols], &l.weight.data),
                ),
                (format!("{index}.bias"), Raw::f64(&[l.bias.len()], &l.bias)),
            ]
        })
        .collect();
    let b_path = dir.join("b.safetensors");
    std::fs::write(&b_path, safetensors::serialize(b_tensors, None).unwrap()).unwrap();
    let b = sequential::read(&b_path, Activation::Relu).unwrap();
    assert_eq!(b.mlp, b_mlp);

    // Data: .npy f32 inputs [n, 6] and i64 labels [n] in 0..4.
    let n = 400;
    let x: Vec<f32> = gaussian(n, 6, &mut rng)
        .data
        .iter()
        .map(|&v| v as f32)
        .collect();
    let labels: Vec<i64> = (0..n as i64).map(|i| i % 4).collect();
    std::fs::write(dir.join("x.npy"), npy_bytes_2d(&x, n, 6)).unwrap();
    std::fs::write(dir.join("y.npy"), npy_labels(&labels)).unwrap();
    let xm = npy::read_matrix(&dir.join("x.npy")).unwrap();
    assert_eq!((xm.rows, xm.cols), (n, 6));
    assert!(xm.data.iter().zip(&x).all(|(p, q)| *p == f64::from(*q)));
    let ym = npy::read_labels(&dir.join("y.npy")).unwrap();
    assert_eq!(ym, labels);

    for matcher in [
        Matcher::Weight,
        Matcher::Sigma,
        Matcher::Activation,
        Matcher::Rebasin,
    ] {
        let data = AlignData::Arrays {
            x: xm.clone(),
            labels: Some(ym.clone()),
        }
        .resolve(&a.mlp)
        .unwrap();
        let config = AlignConfig {
            matcher,
            ..AlignConfig::default()
        };
        let report = align(&a.mlp, &b.mlp, &data, &config).unwrap();
        // The planted permutation comes back as π = ρ⁻¹ (dead units aside for (e)).
        if matcher != Matcher::Activation {
            for (p, r) in report.permutations.iter().zip(&rho) {
                assert_eq!(p, &r.inverse(), "{matcher:?}");
            }
        }
        let s = &report.summary;
        assert!(
            s.barrier_aligned.unwrap().abs() <= 1e-12,
            "{matcher:?}: {s:?}"
        );
        assert!(s.gap_rel_aligned <= 1e-12);
        assert!(s.max_function_change <= 1e-12);
        assert_eq!(report.interpolation.len(), 25);
        assert_eq!(
            (report.interpolation[0].t, report.interpolation[24].t),
            (0.0, 1.0)
        );
        assert_eq!(
            report.interpolation[12].loss_aligned,
            s.midpoint_loss_aligned
        );
        assert_eq!(s.layers.len(), 2);
        assert!(s
            .layers
            .iter()
            .all(|l| l.d2_in <= 1e-12 && l.dim_sigma >= 1.0));

        // Writing aligned B under B's names and dtypes, then reading it back, gives A's values
        // exactly (a permutation moves values without rounding).
        let out = dir.join(format!("b_aligned_{}.safetensors", matcher.name()));
        sequential::write(&out, &b, &report.b_aligned).unwrap();
        let bytes = std::fs::read(&out).unwrap();
        let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
        let mut names = st.names();
        names.sort();
        assert_eq!(
            names,
            vec![
                "0.bias",
                "0.weight",
                "10.bias",
                "10.weight",
                "2.bias",
                "2.weight"
            ]
        );
        assert!(names
            .iter()
            .all(|n| st.tensor(n).unwrap().dtype() == Dtype::F64));
        let back = sequential::read(&out, Activation::Relu).unwrap();
        if matcher != Matcher::Activation {
            assert_eq!(back.mlp, a.mlp);
        }
    }
    // An f32 template keeps f32 (A's own file written back unchanged).
    let again = sequential::to_bytes(&a, &a.mlp).unwrap();
    let st = safetensors::SafeTensors::deserialize(&again).unwrap();
    assert_eq!(st.tensor("2.weight").unwrap().dtype(), Dtype::F32);
    assert_eq!(
        sequential::from_bytes(&again, Activation::Relu)
            .unwrap()
            .mlp,
        a.mlp
    );
    let (_, header) = safetensors::SafeTensors::read_metadata(&again).unwrap();
    assert_eq!(header.metadata().as_ref().unwrap()["format"], "pt");

    // The digits: a 64-input network is aligned on the split, statistics on 1437 images.
    let mut rng = Seed(2).stream("test.align", 1);
    let da = Mlp::init(
        &[64, 16, 10],
        Activation::Relu,
        Parameterisation::Standard,
        &mut rng,
    )
    .unwrap();
    let db = Mlp::init(
        &[64, 16, 10],
        Activation::Relu,
        Parameterisation::Standard,
        &mut rng,
    )
    .unwrap();
    let data = AlignData::Digits.resolve(&da).unwrap();
    let report = align(&da, &db, &data, &AlignConfig::default()).unwrap();
    assert_eq!(
        (report.summary.samples_moments, report.summary.samples_eval),
        (1437, 360)
    );
    assert!(report.summary.layers[0].d2_in < report.summary.layers[0].d2_in_unaligned);
    std::fs::remove_dir_all(&dir).ok();
}

fn serialize(tensors: Vec<(String, Raw)>) -> Vec<u8> {
    safetensors::serialize(tensors, None).unwrap()
}

#[test]
fn bad_files_and_data_are_refused_with_typed_errors() {
    let mut rng = Seed(3).stream("test.align.bad", 0);
    let relu = Activation::Relu;
    let (tensors, _) = pytorch_file(&mut rng);
    let good = sequential::from_bytes(&serialize(tensors), relu).unwrap();

    // Mismatched architectures: B's hidden layer 1 has 13 units.
    let (mut t2, _) = pytorch_file(&mut rng);
    t2[0] = ("0.weight".into(), Raw::f32(&[13, 6], &values(78, &mut rng)));
    t2[1] = ("0.bias".into(), Raw::f32(&[13], &values(13, &mut rng)));
    t2[2] = (
        "2.weight".into(),
        Raw::f32(&[10, 13], &values(130, &mut rng)),
    );
    let other = sequential::from_bytes(&serialize(t2), relu).unwrap();
    let data = AlignData::Digits;
    let err = good.mlp.check_same_architecture(&other.mlp).unwrap_err();
    assert!(matches!(
        err,
        Error::ArchitectureMismatch {
            layer: 1,
            shape_a: [12, 6],
            shape_b: [13, 6]
        }
    ));
    assert_eq!(
        err.to_string(),
        "architectures differ at layer 1: A has weight shape [12, 6], B has [13, 6]"
    );

    // No linear layer; other modules' tensors; a bias without weight.
    assert!(matches!(
        sequential::from_bytes(&serialize(vec![]), relu),
        Err(Error::NoLinearLayers)
    ));
    let bn = vec![("1.running_mean".to_string(), Raw::f32(&[4], &[0.0; 4]))];
    assert!(
        matches!(sequential::from_bytes(&serialize(bn), relu), Err(Error::UnexpectedTensor { name }) if name == "1.running_mean")
    );
    let lone = vec![("0.bias".to_string(), Raw::f32(&[4], &[0.0; 4]))];
    assert!(
        matches!(sequential::from_bytes(&serialize(lone), relu), Err(Error::MissingTensor { name }) if name == "0.weight")
    );
    assert!(matches!(
        sequential::from_bytes(b"not a file", relu),
        Err(Error::Safetensors(_))
    ));

    // Non-finite weights, wrong dtype, wrong shape, layers that do not chain.
    let (mut t3, _) = pytorch_file(&mut rng);
    let mut w = values(120, &mut rng);
    w[7] = f32::NAN;
    t3[2] = ("2.weight".into(), Raw::f32(&[10, 12], &w));
    assert!(matches!(
        sequential::from_bytes(&serialize(t3), relu),
        Err(Error::NonFiniteWeight { tensor, index: 7, .. }) if tensor == "2.weight"
    ));
    let half = vec![(
        "0.weight".to_string(),
        Raw {
            dtype: Dtype::F16,
            shape: vec![2, 2],
            bytes: vec![0; 8],
        },
    )];
    assert!(matches!(
        sequential::from_bytes(&serialize(half), relu),
        Err(Error::TensorDtype { .. })
    ));
    let flat = vec![("0.weight".to_string(), Raw::f32(&[4], &[0.0; 4]))];
    assert!(matches!(
        sequential::from_bytes(&serialize(flat), relu),
        Err(Error::TensorShape { .. })
    ));
    let chain = vec![
        ("0.weight".to_string(), Raw::f32(&[3, 2], &[0.0; 6])),
        ("1.weight".to_string(), Raw::f32(&[1, 4], &[0.0; 4])),
    ];
    assert!(matches!(
        sequential::from_bytes(&serialize(chain), relu),
        Err(Error::BrokenChain {
            layer: 2,
            input: 4,
            previous_output: 3
        })
    ));

    // Data: width, non-finite values, label count and range; digits against a 6-input net.
    let arrays =
        |x: Matrix, labels: Option<Vec<i64>>| AlignData::Arrays { x, labels }.resolve(&good.mlp);
    assert!(matches!(
        arrays(Matrix::zeros(5, 7), None),
        Err(Error::DataWidth {
            expected: 6,
            got: 7
        })
    ));
    let mut nan = Matrix::zeros(5, 6);
    nan.set(3, 1, f64::INFINITY);
    assert!(matches!(
        arrays(nan, None),
        Err(Error::NonFiniteData { row: 3, col: 1, .. })
    ));
    assert!(matches!(
        arrays(Matrix::zeros(5, 6), Some(vec![0; 4])),
        Err(Error::LabelCount {
            expected: 5,
            got: 4
        })
    ));
    assert!(matches!(
        arrays(Matrix::zeros(5, 6), Some(vec![0, 1, 4, 0, 0])),
        Err(Error::LabelOutOfRange {
            index: 2,
            value: 4,
            classes: 4
        })
    ));
    assert!(matches!(
        arrays(Matrix::zeros(5, 6), Some(vec![0, -1, 0, 0, 0])),
        Err(Error::LabelOutOfRange {
            index: 1,
            value: -1,
            ..
        })
    ));
    assert!(matches!(
        data.resolve(&good.mlp),
        Err(Error::DataWidth {
            expected: 6,
            got: 64
        })
    ));

    // .npy of the wrong rank or dtype.
    assert!(matches!(
        npy::matrix_from_bytes(&npy_labels(&[1, 2])),
        Err(Error::NpyShape { .. })
    ));
    assert!(matches!(
        npy::labels_from_bytes(&npy_bytes_2d(&[0.0; 4], 2, 2)),
        Err(Error::NpyShape { .. })
    ));
    let mut buf = Vec::new();
    let mut wr = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&[2, 1])
        .writer(&mut buf)
        .begin_nd()
        .unwrap();
    wr.extend([1i32, 2]).unwrap();
    wr.finish().unwrap();
    assert!(matches!(
        npy::matrix_from_bytes(&buf),
        Err(Error::NpyDtype { .. })
    ));
    let mut nan_x = npy_bytes_2d(&[0.0, f32::NAN], 1, 2);
    assert!(matches!(
        npy::matrix_from_bytes(&nan_x),
        Err(Error::NonFiniteData { row: 0, col: 1, .. })
    ));
    nan_x.truncate(20);
    assert!(npy::matrix_from_bytes(&nan_x).is_err());

    // An unknown matcher name, the identity matcher (nothing to align) and the soft Sinkhorn
    // coupling (not a permutation: B's function would change).
    assert!(matches!(
        "git-rebasin".parse::<Matcher>(),
        Err(Error::UnknownMatcher { .. })
    ));
    for matcher in [Matcher::Identity, Matcher::Sinkhorn] {
        let config = AlignConfig {
            matcher,
            ..AlignConfig::default()
        };
        assert!(
            matches!(config.validate(), Err(Error::NotAligning { .. })),
            "{matcher:?}"
        );
    }
    // A missing file is named in the error.
    let missing = std::path::Path::new("/nonexistent/a.safetensors");
    let err = sequential::read(missing, relu).unwrap_err();
    assert!(
        err.to_string().starts_with("/nonexistent/a.safetensors: "),
        "{err}"
    );
}
