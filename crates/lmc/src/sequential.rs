//! PyTorch `nn.Sequential` of `Linear` and `ReLU` layers in safetensors files: read into an
//! [`Mlp`], write an aligned network back with the same tensor names and dtypes.
//!
//! Layout (what `safetensors.torch.save_file(model.state_dict(), …)` writes for
//! `nn.Sequential(Linear, ReLU, Linear, …)`): tensors `<index>.weight` of shape \[out, in\] and
//! `<index>.bias` of shape \[out\], where `<index>` is the module's integer position; the
//! activations hold no tensors. Linear layers are taken in increasing index order. F32 and F64
//! are read (exactly, as f64) and written back in their own dtype; a missing bias
//! (`Linear(bias=False)`) is read as zeros and stays absent on writing. The file's
//! `__metadata__` is kept.

use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::mlp::{Activation, Layer, Mlp, Parameterisation};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// The floating-point type of a stored tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FloatType {
    /// 32-bit IEEE float.
    F32,
    /// 64-bit IEEE float.
    F64,
}

/// Where one linear layer's tensors live in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinearEntry {
    /// The module index in the `nn.Sequential`.
    pub index: u64,
    /// Dtype of the weight.
    pub weight_dtype: FloatType,
    /// Dtype of the bias (`None` when the layer has none).
    pub bias_dtype: Option<FloatType>,
}

impl LinearEntry {
    /// `<index>.weight`.
    pub fn weight_name(&self) -> String {
        format!("{}.weight", self.index)
    }

    /// `<index>.bias`.
    pub fn bias_name(&self) -> String {
        format!("{}.bias", self.index)
    }
}

/// A network read from a safetensors file, with what is needed to write it back.
#[derive(Clone, Debug)]
pub struct Sequential {
    /// The network (standard parameterisation, the given activation).
    pub mlp: Mlp,
    /// One entry per linear layer, in forward order.
    pub entries: Vec<LinearEntry>,
    /// The file's `__metadata__`, if any.
    pub metadata: Option<HashMap<String, String>>,
}

/// Reads a `Sequential` from safetensors bytes, with `activation` between the linear layers.
/// Refuses: tensors other than `<index>.weight`/`<index>.bias` ([`Error::UnexpectedTensor`]),
/// dtypes other than F32/F64, weights that are not 2-D or biases not 1-D of the output width,
/// a bias without a weight, no linear layer ([`Error::NoLinearLayers`]), layers that do not
/// chain, non-finite entries ([`Error::NonFiniteWeight`], naming the tensor).
pub fn from_bytes(bytes: &[u8], activation: Activation) -> Result<Sequential> {
    let (_, header) = SafeTensors::read_metadata(bytes)?;
    let st = SafeTensors::deserialize(bytes)?;
    // index → (weight, bias)
    let mut found: BTreeMap<u64, (Option<TensorView<'_>>, Option<TensorView<'_>>)> =
        BTreeMap::new();
    let mut names = st.names();
    names.sort();
    for name in names {
        let view = st.tensor(name)?;
        let parsed = name
            .split_once('.')
            .and_then(|(idx, kind)| idx.parse::<u64>().ok().map(|i| (i, kind)));
        match parsed {
            Some((index, "weight")) => found.entry(index).or_default().0 = Some(view),
            Some((index, "bias")) => found.entry(index).or_default().1 = Some(view),
            _ => {
                return Err(Error::UnexpectedTensor {
                    name: name.to_string(),
                })
            }
        }
    }
    let mut layers = Vec::with_capacity(found.len());
    let mut entries = Vec::with_capacity(found.len());
    for (index, (weight, bias)) in found {
        let weight = weight.ok_or(Error::MissingTensor {
            name: format!("{index}.weight"),
        })?;
        let wname = format!("{index}.weight");
        let shape = weight.shape().to_vec();
        if shape.len() != 2 {
            return Err(Error::TensorShape {
                name: wname,
                shape,
                expected: "[out, in]".into(),
            });
        }
        let (wdtype, wdata) = floats(&wname, &weight)?;
        let out = shape[0];
        let (bdtype, bdata) = match bias {
            Some(b) => {
                let bname = format!("{index}.bias");
                if b.shape() != [out] {
                    return Err(Error::TensorShape {
                        name: bname,
                        shape: b.shape().to_vec(),
                        expected: format!("[{out}]"),
                    });
                }
                let (t, d) = floats(&bname, &b)?;
                (Some(t), d)
            }
            None => (None, vec![0.0; out]),
        };
        layers.push(Layer {
            weight: Matrix::from_vec(out, shape[1], wdata),
            bias: bdata,
        });
        entries.push(LinearEntry {
            index,
            weight_dtype: wdtype,
            bias_dtype: bdtype,
        });
    }
    let mlp = Mlp::new(layers, activation, Parameterisation::Standard)?;
    Ok(Sequential {
        mlp,
        entries,
        metadata: header.metadata().clone(),
    })
}

/// The values of a float tensor as f64 (all finite), and its dtype.
fn floats(name: &str, view: &TensorView<'_>) -> Result<(FloatType, Vec<f64>)> {
    let data = view.data();
    let (dtype, values): (FloatType, Vec<f64>) = match view.dtype() {
        Dtype::F32 => Ok((
            FloatType::F32,
            data.chunks_exact(4)
                .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
                .collect(),
        )),
        Dtype::F64 => Ok((
            FloatType::F64,
            data.chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect(),
        )),
        other => Err(Error::TensorDtype {
            name: name.to_string(),
            dtype: format!("{other:?}"),
        }),
    }?;
    if let Some(index) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFiniteWeight {
            tensor: name.to_string(),
            index,
            value: values[index],
        });
    }
    Ok((dtype, values))
}

/// Reads a `Sequential` from the safetensors file at `path` (errors name the file).
pub fn read(path: &Path, activation: Activation) -> Result<Sequential> {
    let bytes = std::fs::read(path).map_err(|e| Error::from(e).in_file(path))?;
    from_bytes(&bytes, activation).map_err(|e| e.in_file(path))
}

/// Safetensors bytes of `mlp` under the tensor names and dtypes of `template` (and its
/// metadata). `mlp` must have the template's architecture.
pub fn to_bytes(template: &Sequential, mlp: &Mlp) -> Result<Vec<u8>> {
    template.mlp.check_same_architecture(mlp)?;
    let mut tensors: Vec<(String, OwnedTensor)> = Vec::new();
    for (entry, layer) in template.entries.iter().zip(&mlp.layers) {
        tensors.push((
            entry.weight_name(),
            OwnedTensor::new(
                entry.weight_dtype,
                vec![layer.weight.rows, layer.weight.cols],
                &layer.weight.data,
            ),
        ));
        if let Some(dtype) = entry.bias_dtype {
            tensors.push((
                entry.bias_name(),
                OwnedTensor::new(dtype, vec![layer.bias.len()], &layer.bias),
            ));
        }
    }
    Ok(safetensors::serialize(tensors, template.metadata.clone())?)
}

/// Writes `mlp` to `path` with the names and dtypes of `template` (see [`to_bytes`]).
pub fn write(path: &Path, template: &Sequential, mlp: &Mlp) -> Result<()> {
    let bytes = to_bytes(template, mlp)?;
    std::fs::write(path, bytes).map_err(|e| Error::from(e).in_file(path))
}

/// A tensor owned for serialisation.
struct OwnedTensor {
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

impl OwnedTensor {
    fn new(dtype: FloatType, shape: Vec<usize>, values: &[f64]) -> OwnedTensor {
        let (dtype, bytes) = match dtype {
            FloatType::F32 => (
                Dtype::F32,
                values
                    .iter()
                    .flat_map(|&v| (v as f32).to_le_bytes())
                    .collect(),
            ),
            FloatType::F64 => (
                Dtype::F64,
                values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            ),
        };
        OwnedTensor {
            dtype,
            shape,
            bytes,
        }
    }
}

impl safetensors::View for OwnedTensor {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> std::borrow::Cow<'_, [u8]> {
        std::borrow::Cow::Borrowed(&self.bytes)
    }
    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}
