//! Helpers for the hand-written `RecordState` implementations.

use burn::optim::StateSource;
use burn::tensor::{Device, Tensor, TensorData};

/// The tensor's data in its own dtype (f64 state stays f64 in the record).
pub(crate) fn tensor_data<const D: usize>(tensor: &Tensor<D>) -> TensorData {
    tensor.to_data()
}

/// Takes the tensor `{prefix}.{leaf}` and rebuilds it on `device` in its recorded dtype
/// (not the device's default dtype); `None` if absent or of the wrong rank.
pub(crate) fn take_tensor<const D: usize>(
    src: &mut StateSource,
    prefix: &str,
    leaf: &str,
    device: &Device,
) -> Option<Tensor<D>> {
    let data = src.take_tensor(prefix, leaf)?;
    if data.rank() != D {
        return None;
    }
    let dtype = data.dtype();
    Some(Tensor::from_data(data, (device, dtype)))
}
