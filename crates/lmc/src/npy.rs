//! NumPy `.npy` inputs of `lmc align`: a data matrix \[n, d\] of f32 or f64 (C or Fortran
//! order) and a label vector \[n\] of any integer dtype.

use crate::error::{Error, Result};
use crate::matrix::Matrix;
use npyz::{NpyFile, Order, TypeChar};
use std::path::Path;

/// Reads a 2-D float array (f32 or f64, either byte order, C or Fortran order) as an n×d
/// matrix. Refuses other ranks ([`Error::NpyShape`]), other dtypes ([`Error::NpyDtype`])
/// and non-finite values ([`Error::NonFiniteData`]).
pub fn matrix_from_bytes(bytes: &[u8]) -> Result<Matrix> {
    let (npy, shape, ts) = open(bytes, 2, "[n, d]", "f32 or f64")?;
    let (n, d) = (shape[0] as usize, shape[1] as usize);
    let order = npy.order();
    let values: Vec<f64> = match (ts.type_char(), ts.size_field()) {
        (TypeChar::Float, 4) => npy.into_vec::<f32>()?.into_iter().map(f64::from).collect(),
        (TypeChar::Float, 8) => npy.into_vec::<f64>()?,
        _ => {
            return Err(Error::NpyDtype {
                dtype: ts.to_string(),
                expected: "f32 or f64",
            })
        }
    };
    let m = match order {
        Order::C => Matrix::from_vec(n, d, values),
        Order::Fortran => Matrix::from_fn(n, d, |i, j| values[j * n + i]),
    };
    if let Some((row, col, value)) = m.first_non_finite() {
        return Err(Error::NonFiniteData { row, col, value });
    }
    Ok(m)
}

/// Reads a 1-D integer array (any signed or unsigned width) as i64 labels. Refuses other
/// ranks and dtypes, and unsigned values beyond i64.
pub fn labels_from_bytes(bytes: &[u8]) -> Result<Vec<i64>> {
    let (npy, _, ts) = open(bytes, 1, "[n]", "an integer type")?;
    let bad = || Error::NpyDtype {
        dtype: ts.to_string(),
        expected: "an integer type",
    };
    Ok(match (ts.type_char(), ts.size_field()) {
        (TypeChar::Int, 1) => npy.into_vec::<i8>()?.into_iter().map(i64::from).collect(),
        (TypeChar::Int, 2) => npy.into_vec::<i16>()?.into_iter().map(i64::from).collect(),
        (TypeChar::Int, 4) => npy.into_vec::<i32>()?.into_iter().map(i64::from).collect(),
        (TypeChar::Int, 8) => npy.into_vec::<i64>()?,
        (TypeChar::Uint, 1) => npy.into_vec::<u8>()?.into_iter().map(i64::from).collect(),
        (TypeChar::Uint, 2) => npy.into_vec::<u16>()?.into_iter().map(i64::from).collect(),
        (TypeChar::Uint, 4) => npy.into_vec::<u32>()?.into_iter().map(i64::from).collect(),
        (TypeChar::Uint, 8) => npy
            .into_vec::<u64>()?
            .into_iter()
            .map(|v| i64::try_from(v).unwrap_or(i64::MAX))
            .collect(),
        _ => return Err(bad()),
    })
}

/// An opened array: its reader, shape and plain dtype.
type Opened<'a> = (NpyFile<&'a [u8]>, Vec<u64>, npyz::TypeStr);

/// The array's reader, shape and plain dtype, refusing another rank or a structured dtype.
fn open<'a>(
    bytes: &'a [u8],
    rank: usize,
    shape_name: &'static str,
    dtype_name: &'static str,
) -> Result<Opened<'a>> {
    let npy = NpyFile::new(bytes)?;
    let shape = npy.shape().to_vec();
    if shape.len() != rank {
        return Err(Error::NpyShape {
            shape,
            expected: shape_name,
        });
    }
    match npy.dtype() {
        npyz::DType::Plain(ts) => Ok((npy, shape, ts)),
        other => Err(Error::NpyDtype {
            dtype: other.descr(),
            expected: dtype_name,
        }),
    }
}

/// [`matrix_from_bytes`] of the file at `path` (errors name the file).
pub fn read_matrix(path: &Path) -> Result<Matrix> {
    let bytes = std::fs::read(path).map_err(|e| Error::from(e).in_file(path))?;
    matrix_from_bytes(&bytes).map_err(|e| e.in_file(path))
}

/// [`labels_from_bytes`] of the file at `path` (errors name the file).
pub fn read_labels(path: &Path) -> Result<Vec<i64>> {
    let bytes = std::fs::read(path).map_err(|e| Error::from(e).in_file(path))?;
    labels_from_bytes(&bytes).map_err(|e| e.in_file(path))
}
