//! Reference values of the spec (§4 worked example, §5.2 tables), all \[D\]: derived for the spec
//! by exhaustive enumeration and Monte Carlo, not taken from the paper (whose numbers were not
//! available). The experiments report their values next to these; the tests assert on them.

/// The worked example of spec §4: p_0 = (0.5, 0.3, 0.2), r = (0, 1, 2).
pub mod worked {
    /// H at K = 2.
    pub const H_K2: [f64; 3] = [0.70904602, 1.13863515, 1.51943223];
    /// H at K = 4.
    pub const H_K4: [f64; 3] = [0.52311639, 1.12617167, 2.00295153];
    /// p_1 at K = 4.
    pub const P1_K4: [f64; 3] = [0.26155819, 0.33785150, 0.40059031];
    /// E_{p_0}[e^r].
    pub const E0_WEIGHT: f64 = 2.79329577;
    /// E_{p_1}[e^r] at K = 2, 4, ∞.
    pub const E1_WEIGHT: [f64; 3] = [3.52849637, 4.13991803, 4.88181273];
    /// The T4 bound on E_{p_1}[e^r] at K = 2, 4.
    pub const T4_BOUND: [f64; 2] = [3.18805834, 3.38543963];
    /// p_1 at K = ∞.
    pub const P1_INF: [f64; 3] = [0.17900002, 0.29194350, 0.52905648];
    /// p_1 under hard max at K = 4 (exact: 0.5⁴, 0.8⁴ − 0.5⁴, 1 − 0.8⁴).
    pub const P1_HARDMAX_K4: [f64; 3] = [0.0625, 0.3471, 0.5904];
    /// KL(p*‖p_t) at K = 4 for t = 1, 2, 5, 10, 20.
    pub const KL_K4: [(u32, f64); 5] = [
        (1, 0.91481606),
        (2, 0.45241889),
        (5, 0.04001943),
        (10, 6.4203430e-4),
        (20, 1.628394e-7),
    ];
    /// KL(p*‖p_t) at K = ∞ for t = 1, 5, 10.
    pub const KL_INF: [(u32, f64); 3] = [(1, 0.63666009), (5, 0.01016854), (10, 6.8102728e-5)];
    /// Fixed point at K = ∞, λ = 1, p_data = p_0: Z = E_{p_∞}[e^r].
    pub const FIXED_POINT_Z: f64 = 4.60297643;
    /// Fixed point p_∞ at K = ∞, λ = 1.
    pub const FIXED_POINT_P: [f64; 3] = [0.28046569, 0.21284879, 0.50668552];
    /// p_300 at K = 4, λ = 1.
    pub const P300_K4_LAMBDA1: [f64; 3] = [0.30147402, 0.24763263, 0.45089334];
    /// Two levels, Δ = 1, K = 4, q_0 = 0.1: q_1, q_2, q_3.
    pub const TWO_LEVEL_Q: [f64; 3] = [0.17745320, 0.29860377, 0.46281397];
    /// T2: K·max|pH^K − pw/E w| for K = 10, 100, 1000 (to 3 decimals).
    pub const T2_K_ERROR: [(u32, f64); 3] = [(10, 0.511), (100, 0.479), (1000, 0.475)];
    /// ρ_K at Δ = 1 for K = 2, 4, 10 (spec §8 item 9).
    pub const RHO: [(u32, f64); 3] = [(2, 0.537883), (4, 0.436927), (10, 0.392703)];
}

/// E3: q_0 of the grid (mass of the ball).
pub const E3_Q0: f64 = 0.12369537;

/// The rounds of the E3 table.
pub const E3_ROUNDS: [u32; 5] = [1, 5, 10, 20, 50];

/// E3 reference q_t at t = 1, 5, 10, 20, 50: (γ, K (0 = ∞), hard max, values); assert to 1e-4.
pub const E3_Q: [(f64, u32, bool, [f64; 5]); 7] = [
    (1.0, 2, false, [0.2013, 0.6185, 0.8892, 0.9801, 0.9943]),
    (1.0, 4, false, [0.2869, 0.8286, 0.9643, 0.9903, 0.9959]),
    (1.0, 0, false, [0.4252, 0.9206, 0.9823, 0.9932, 0.9968]),
    (10.0, 2, false, [0.2317, 0.9721, 0.9960, 0.9978, 0.9987]),
    (10.0, 4, false, [0.4082, 0.9950, 0.9973, 0.9983, 0.9990]),
    (10.0, 0, false, [0.9823, 0.9968, 0.9979, 0.9986, 0.9992]),
    (1.0, 4, true, [0.4103, 1.0000, 1.0000, 1.0000, 1.0000]),
];

/// E4 λ values of the reference table.
pub const E4_LAMBDAS: [f64; 6] = [0.0, 0.1, 0.25, 0.5, 1.0, 2.0];

/// E4 reference q_200 at K = ∞ per λ of [`E4_LAMBDAS`]: (γ, values); assert to 1e-4.
pub const E4_Q200: [(f64, [f64; 6]); 2] = [
    (1.0, [0.9986, 0.1558, 0.2091, 0.2989, 0.4447, 0.6158]),
    (10.0, [0.9999, 0.2022, 0.2971, 0.4136, 0.5595, 0.7058]),
];

/// E5 at T = 20 (assert to 1e-3), per λ = 0, 0.5, 1: the airplane share π_0 under the airplane
/// reward.
pub const E5_AIRPLANE_SHARE: [f64; 3] = [1.000, 0.294, 0.493];
/// E5 at T = 20: class entropy / ln 10 under the confidence reward, λ = 0, 0.5, 1.
pub const E5_CONFIDENCE_ENTROPY_RATIO: [f64; 3] = [0.179, 0.995, 0.975];
/// E5 at T = 20: class 9's share under the confidence reward at λ = 0.
pub const E5_CONFIDENCE_CLASS9_SHARE: f64 = 0.881;
