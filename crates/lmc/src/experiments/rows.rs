//! The row types shared by the width and learning-rate experiments (E1–E4): each row holds
//! the key of its item (setting, width, seed…), flattened into JSON, and [`RowKey`] gives the
//! key's column names and cells so a CSV or table writer can format any of them the same way.

use super::{Endpoint, Metric, Metrics, SlopeFit, TrainedPair};
use crate::matching::Matcher;
use crate::metrics::LayerDims;

/// The key of an item or of a slope group: column names and cell values.
pub trait RowKey: Clone {
    /// Column names, in order.
    const COLUMNS: &'static [&'static str];
    /// The cells, in [`RowKey::COLUMNS`] order.
    fn cells(&self) -> Vec<String>;
    /// The cells as table values (integers and reals kept apart), in [`RowKey::COLUMNS`]
    /// order.
    fn values(&self) -> Vec<lab::table::Value>;
}

/// Declares a key struct with `usize`/`f64` fields and its [`RowKey`] implementation.
macro_rules! row_key {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident: $ty:ty),* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        pub struct $name {
            $($(#[$fdoc])* pub $field: $ty,)*
        }

        impl RowKey for $name {
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];
            fn cells(&self) -> Vec<String> {
                vec![$(self.$field.to_string()),*]
            }
            fn values(&self) -> Vec<lab::table::Value> {
                vec![$(lab::table::Value::from(self.$field)),*]
            }
        }
    };
}

row_key!(
    /// An E1 item.
    InitKey {
        /// Input dimension d.
        dim: usize,
        /// Width N.
        width: usize,
        /// Seed index.
        seed: usize
    }
);

row_key!(
    /// An E2 item.
    TeacherKey {
        /// Intrinsic dimension k.
        k: usize,
        /// Student width N.
        width: usize,
        /// Seed index.
        seed: usize
    }
);

row_key!(
    /// An E3 item.
    WidthsKey {
        /// Width N.
        width: usize,
        /// Seed index.
        seed: usize
    }
);

row_key!(
    /// An E4 item.
    LrKey {
        /// Learning rate.
        lr: f64,
        /// Repetition.
        rep: usize
    }
);

row_key!(
    /// A slope group of E1 (input dimension).
    DimGroup {
        /// Input dimension d.
        dim: usize
    }
);

row_key!(
    /// A slope group of E2 (intrinsic dimension).
    KGroup {
        /// Intrinsic dimension k.
        k: usize
    }
);

row_key!(
    /// The single slope group of E3 (all widths of one data set and activation).
    AllWidths {}
);

/// One (item, matcher) with every metric.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PairRow<K> {
    /// The item.
    #[serde(flatten)]
    pub key: K,
    /// The matcher.
    pub matcher: Matcher,
    /// Its metrics on the evaluation set.
    pub metrics: Metrics,
}

/// One trained network of an item.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EndpointRow<K> {
    /// The item.
    #[serde(flatten)]
    pub key: K,
    /// 0 for A, 1 for B.
    pub run: usize,
    /// How it ended.
    pub endpoint: Endpoint,
}

/// Dim of one hidden layer of an item's network A.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DimsRow<K> {
    /// The item.
    #[serde(flatten)]
    pub key: K,
    /// Layer, Dim(S_naive), Dim(S_Σ), Dim(S_act).
    pub dims: LayerDims,
}

/// A log-log slope of one metric against width, per (group, matcher).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SlopeRow<G> {
    /// The group (a setting such as d or k).
    #[serde(flatten)]
    pub group: G,
    /// The matcher.
    pub matcher: Matcher,
    /// The metric.
    pub metric: Metric,
    /// The fit (None with fewer than 2 usable points).
    pub fit: Option<SlopeFit>,
}

/// What a trained-pair experiment returns.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PairResults<K, G> {
    /// One per (item, matcher), in item order then the config's matcher order.
    pub rows: Vec<PairRow<K>>,
    /// Two per item.
    pub endpoints: Vec<EndpointRow<K>>,
    /// One per (item, hidden layer).
    pub dims: Vec<DimsRow<K>>,
    /// One per (group, matcher, metric).
    pub slopes: Vec<SlopeRow<G>>,
}

impl<K: Clone, G> PairResults<K, G> {
    /// The rows of trained pairs, in item order (no slopes yet).
    pub(crate) fn from_items(items: Vec<(K, TrainedPair)>) -> PairResults<K, G> {
        let mut out = PairResults {
            rows: Vec::new(),
            endpoints: Vec::new(),
            dims: Vec::new(),
            slopes: Vec::new(),
        };
        for (key, pair) in items {
            out.rows
                .extend(pair.outcomes.into_iter().map(|(matcher, metrics)| PairRow {
                    key: key.clone(),
                    matcher,
                    metrics,
                }));
            out.endpoints.extend(
                pair.endpoints
                    .into_iter()
                    .enumerate()
                    .map(|(run, endpoint)| EndpointRow {
                        key: key.clone(),
                        run,
                        endpoint,
                    }),
            );
            out.dims.extend(pair.dims.into_iter().map(|dims| DimsRow {
                key: key.clone(),
                dims,
            }));
        }
        out
    }
}
