"""Confidence intervals for proportions, in pure Python (stdlib only).

Why pure Python: the Excel functions and the command line must start fast and
install without scipy.  Every number here is checked in the tests against
scipy/statsmodels to 1e-9 absolute, so the formulas follow theirs:

- ``wilson``        Wilson score interval (no continuity correction).
- ``wilson_cc``     Wilson with continuity correction: Newcombe (1998) method 4,
                    as scipy's ``binomtest(...).proportion_ci("wilsoncc")``.
- ``exact``         Clopper-Pearson (alias ``clopper_pearson``): beta quantiles.
- ``jeffreys``      equal-tailed Jeffreys, Beta(x+1/2, n-x+1/2) quantiles, with the
                    Brown-Cai-DasGupta (2001) fix: lower = 0 at x = 0, upper = 1 at x = n.
- ``agresti_coull`` Agresti-Coull, clipped to [0, 1] as statsmodels does.
- ``wald``          normal approximation, clipped to [0, 1].

Special functions: the normal quantile is Wichura's AS 241 (full double
precision); the regularized incomplete beta is the continued fraction (modified
Lentz) with its prefactor computed in Loader's saddle-point form, which keeps
full relative precision when a and b are near 10^6 (the naive
``exp(a*log(x) + b*log1p(-x) - lbeta)`` loses about 7 digits there); beta
quantiles start from a Cornish-Fisher type approximation and finish with
bracketed Halley steps, usually after two incomplete-beta evaluations.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Sequence

from xlplugin.core.record import NamedTuple

__all__ = [
    "ALIASES",
    "INTERVAL_METHODS",
    "METHODS",
    "Method",
    "method_key",
    "method_label",
    "proportion_ci",
    "normal_quantile",
    "diff_ci_newcombe",
    "funnel_limits",
    "binom_two_sided_p",
    "binom_pmf",
    "binom_cdf",
    "binom_sf",
    "beta_cdf",
    "beta_quantile",
]


class Method(NamedTuple):
    """An interval method: the one place its name, labels and accepted spellings live.

    Why one registry: the command line, the report, the terminal table and the Excel functions
    all name methods, and their copies of the aliases had drifted apart.
    """

    name: str
    label: str
    """As the report's notes name it."""
    short: str
    """As the terminal table's column heading names it."""
    aliases: tuple[str, ...] = ()


INTERVAL_METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("wilson", "Wilson score", "Wilson"),
        Method("wilson_cc", "Wilson score with continuity correction", "Wilson (cc)", ("wilsoncc",)),
        Method("exact", "Clopper-Pearson (exact)", "Clopper-Pearson", ("clopper_pearson", "clopperpearson")),
        Method("jeffreys", "Jeffreys", "Jeffreys"),
        Method("agresti_coull", "Agresti-Coull", "Agresti-Coull", ("agresticoull",)),
        Method("wald", "Wald (normal approximation)", "Wald"),
    )
}
METHODS = tuple(INTERVAL_METHODS)
ALIASES: dict[str, str] = {alias: m.name for m in INTERVAL_METHODS.values() for alias in m.aliases}
"""Other accepted spellings (after :func:`method_key`'s normalising) -> the method's name."""
FUNNEL_METHODS = ("normal", "exact")

_SEPARATORS = re.compile(r"[\s\-]+")


def method_key(text: str) -> str | None:
    """The method `text` names ('Wilson CC', 'clopper-pearson', 'agresticoull'), or None."""
    key = _SEPARATORS.sub("_", text.strip().lower())
    key = ALIASES.get(key, key)
    return key if key in INTERVAL_METHODS else None


def method_label(name: str, short: bool = False) -> str:
    """How the report (or, `short`, the terminal) names method `name`; an unknown name as given."""
    method = INTERVAL_METHODS.get(name)
    if method is None:
        return name
    return method.short if short else method.label


_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_TINY = 1e-300


# ---------------------------------------------------------------- validation


def _whole(value: object, name: str) -> int:
    """Return value as an int; whole floats are accepted, anything else is a ValueError."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        as_float = float(value)
        if math.isfinite(as_float) and as_float == math.floor(as_float):
            return int(as_float)
    raise ValueError(f"{name} must be a whole number, not {value!r}")


def _count_and_total(x_in: object, n_in: object, x_name: str = "x", n_name: str = "n") -> tuple[int, int]:
    x = _whole(x_in, x_name)
    n = _whole(n_in, n_name)
    if n < 0:
        raise ValueError(f"{n_name} must not be negative, got {n}")
    if x < 0:
        raise ValueError(f"{x_name} must not be negative, got {x}")
    if x > n:
        raise ValueError(f"{x_name} ({x}) must not exceed {n_name} ({n})")
    if n == 0:
        raise ZeroDivisionError(f"{n_name} is 0: a proportion of nothing has no interval")
    return x, n


def _real(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, not {value!r}")
    return float(value)


def _confidence(confidence: object) -> float:
    c = _real(confidence, "confidence")
    if not 0.0 < c < 1.0:  # also rejects NaN
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    return c


def _probability(p: object, name: str = "p") -> float:
    v = _real(p, name)
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, got {p!r}")
    return v


def _method(method: object, choices: Sequence[str]) -> str:
    if not isinstance(method, str):
        raise ValueError(f"method must be one of {', '.join(choices)}; got {method!r}")
    key = method_key(method) if choices is METHODS else _SEPARATORS.sub("_", method.strip().lower())
    if key is None or key not in choices:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(choices)}")
    return key


def _clip(v: float) -> float:
    return 0.0 if v < 0.0 else 1.0 if v > 1.0 else v


def _z(confidence: float) -> float:
    """Two-sided critical value: the (1 + confidence)/2 normal quantile, computed from the small tail."""
    return -normal_quantile(0.5 * (1.0 - confidence))


# ---------------------------------------------------------------- normal

_A = (
    3.3871328727963666080e0,
    1.3314166789178437745e2,
    1.9715909503065514427e3,
    1.3731693765509461125e4,
    4.5921953931549871457e4,
    6.7265770927008700853e4,
    3.3430575583588128105e4,
    2.5090809287301226727e3,
)
_B = (
    1.0,
    4.2313330701600911252e1,
    6.8718700749205790830e2,
    5.3941960214247511077e3,
    2.1213794301586595867e4,
    3.9307895800092710610e4,
    2.8729085735721942674e4,
    5.2264952788528545610e3,
)
_C = (
    1.42343711074968357734e0,
    4.63033784615654529590e0,
    5.76949722146069140550e0,
    3.64784832476320460504e0,
    1.27045825245236838258e0,
    2.41780725177450611770e-1,
    2.27238449892691845833e-2,
    7.74545014278341407640e-4,
)
_D = (
    1.0,
    2.05319162663775882187e0,
    1.67638483018380384940e0,
    6.89767334985100004550e-1,
    1.48103976427480074590e-1,
    1.51986665636164571966e-2,
    5.47593808499534494600e-4,
    1.05075007164441684324e-9,
)
_E = (
    6.65790464350110377720e0,
    5.46378491116411436990e0,
    1.78482653991729133580e0,
    2.96560571828504891230e-1,
    2.65321895265761230930e-2,
    1.24266094738807843860e-3,
    2.71155556874348757815e-5,
    2.01033439929228813265e-7,
)
_F = (
    1.0,
    5.99832206555887937690e-1,
    1.36929880922735805310e-1,
    1.48753612908506148525e-2,
    7.86869131145613259100e-4,
    1.84631831751005468180e-5,
    1.42151175831644588870e-7,
    2.04426310338993978564e-15,
)


def _poly(coefficients: Sequence[float], r: float) -> float:
    total = 0.0
    for c in reversed(coefficients):
        total = total * r + c
    return total


def normal_quantile(p: object) -> float:
    """Standard normal quantile (inverse CDF), Wichura's AS 241 (PPND16): ~1e-16 relative.

    ``normal_quantile(0.975)`` is 1.959963984540054.  p must lie strictly in (0, 1).
    """
    p = _real(p, "p")
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be strictly between 0 and 1, got {p!r}")
    q = p - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        return q * _poly(_A, r) / _poly(_B, r)
    r = math.sqrt(-math.log(p if q < 0.0 else 1.0 - p))
    if r <= 5.0:
        r -= 1.6
        value = _poly(_C, r) / _poly(_D, r)
    else:
        r -= 5.0
        value = _poly(_E, r) / _poly(_F, r)
    return -value if q < 0.0 else value


# ---------------------------------------------------------------- beta / binomial


def _stirlerr(z: float) -> float:
    """log Gamma(z) - [(z - 1/2) log z - z + log sqrt(2 pi)]: the Stirling-series remainder."""
    if z > 15.0:
        z2 = z * z
        return (1.0 / 12 - (1.0 / 360 - (1.0 / 1260 - (1.0 / 1680 - 1.0 / 1188 / z2) / z2) / z2) / z2) / z
    return math.lgamma(z) - (z - 0.5) * math.log(z) + z - _LOG_SQRT_2PI


def _bd0(k: float, m: float) -> float:
    """k log(k/m) + m - k, without cancellation when k is close to m (Loader 2000)."""
    if k == 0.0:
        return m
    if abs(k - m) < 0.1 * (k + m):
        v = (k - m) / (k + m)
        s = (k - m) * v
        ej = 2.0 * k * v
        v2 = v * v
        j = 1
        while True:
            ej *= v2
            j += 2
            s1 = s + ej / j
            if s1 == s:
                return s1
            s = s1
    return k * math.log(k / m) + m - k


def _beta_front(x: float, a: float, b: float) -> float:
    """x^a (1-x)^b / B(a, b), for 0 < x < 1, in Loader's saddle-point form.

    Gamma(a+b)/(Gamma(a)Gamma(b)) = sqrt(ab/(2 pi (a+b))) (a+b)^(a+b) / (a^a b^b) e^(d(a+b)-d(a)-d(b))
    with d the Stirling remainder, and a log(a/(Nx)) + b log(b/(N(1-x))) = bd0(a, Nx) + bd0(b, N(1-x)).
    """
    n = a + b
    e = _stirlerr(n) - _stirlerr(a) - _stirlerr(b) - _bd0(a, n * x) - _bd0(b, n * (1.0 - x))
    return math.sqrt(a * b / (2.0 * math.pi * n)) * math.exp(e)


def _betacf(x: float, a: float, b: float) -> float:
    """Continued fraction for I_x(a, b) (modified Lentz); fast for x < (a+1)/(a+b+2)."""
    qab = a + b
    qap = a + 1.0
    qam = a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    if abs(d) < _TINY:
        d = _TINY
    d = 1.0 / d
    h = d
    for m in range(1, 1_000_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        if abs(d) < _TINY:
            d = _TINY
        c = 1.0 + aa / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        if abs(d) < _TINY:
            d = _TINY
        c = 1.0 + aa / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            return h
    raise ArithmeticError(f"incomplete beta did not converge (x={x}, a={a}, b={b})")


def _ibeta_pair(x: float, a: float, b: float) -> tuple[float, float]:
    """(I_x(a, b), 1 - I_x(a, b)); the smaller tail is computed directly, never by subtraction."""
    if x <= 0.0:
        return 0.0, 1.0
    if x >= 1.0:
        return 1.0, 0.0
    front = _beta_front(x, a, b)
    if x * (a + b + 2.0) < a + 1.0:
        lower = front * _betacf(x, a, b) / a
        return lower, 1.0 - lower
    upper = front * _betacf(1.0 - x, b, a) / b
    return 1.0 - upper, upper


def beta_cdf(x: object, a: object, b: object) -> float:
    """Regularized incomplete beta I_x(a, b): the Beta(a, b) distribution function."""
    a = _real(a, "a")
    b = _real(b, "b")
    if not (a > 0.0 and b > 0.0):
        raise ValueError("beta parameters must be positive")
    return _ibeta_pair(_real(x, "x"), a, b)[0]


def _beta_guess(a: float, b: float, p: float, q: float) -> float:
    """Starting point for the Beta(a, b) quantile with lower tail p (upper tail q = 1 - p)."""
    if a >= 1.0 and b >= 1.0:
        # Cornish-Fisher type approximation (Abramowitz & Stegun 26.5.22), with an exact z.
        # Its z is the upper-tail quantile: z = -Phi^-1(p).
        z = -normal_quantile(p) if p <= q else normal_quantile(q)
        al = (z * z - 3.0) / 6.0
        h = 2.0 / (1.0 / (2.0 * a - 1.0) + 1.0 / (2.0 * b - 1.0))
        w = z * math.sqrt(al + h) / h - (1.0 / (2.0 * b - 1.0) - 1.0 / (2.0 * a - 1.0)) * (
            al + 5.0 / 6.0 - 2.0 / (3.0 * h)
        )
        if 2.0 * w > 700.0:
            return a / (a + b) * 1e-300
        return a / (a + b * math.exp(2.0 * w))
    # Small shape parameter: invert the leading power term of either tail.
    t = math.exp(a * math.log(a / (a + b))) / a
    u = math.exp(b * math.log(b / (a + b))) / b
    w = t + u
    if p < t / w:
        return math.pow(a * w * p, 1.0 / a)
    return 1.0 - math.pow(b * w * q, 1.0 / b)


def _beta_quantile(a: float, b: float, p: float, upper_tail: bool) -> float:
    """x with I_x(a, b) = p (or, with upper_tail, 1 - I_x(a, b) = p); p in (0, 1)."""
    q = 1.0 - p
    if upper_tail:
        p, q = q, p
    # Closed forms: I_x(a, 1) = x^a and I_x(1, b) = 1 - (1-x)^b.
    if b == 1.0:
        return math.exp(math.log(p) / a) if p <= q else math.exp(math.log1p(-q) / a)
    if a == 1.0:
        return -math.expm1(math.log1p(-p) / b) if p <= q else -math.expm1(math.log(q) / b)
    use_lower = p <= q  # solve on the smaller tail, where the residual keeps relative precision
    target = p if use_lower else q
    lo, hi = 0.0, 1.0
    x = _beta_guess(a, b, p, q)
    if not 0.0 < x < 1.0:
        x = 0.5
    for _ in range(200):
        i_low, i_up = _ibeta_pair(x, a, b)
        residual = (i_low - target) if use_lower else (target - i_up)  # increasing in x
        if residual == 0.0:
            return x
        if residual < 0.0:
            lo = x
        else:
            hi = x
        density = _beta_front(x, a, b) / (x * (1.0 - x))
        if density > 0.0 and math.isfinite(density):
            newton = residual / density
            curvature = (a - 1.0) / x - (b - 1.0) / (1.0 - x)  # f'/f
            denominator = 1.0 - 0.5 * newton * curvature
            step = newton / denominator if 0.5 < denominator < 2.0 else newton
            new = x - step
            if abs(step) <= 1e-10 * min(x, 1.0 - x):
                # Halley converges cubically: a step this small, relative to the distance
                # to the nearer end, leaves an error far below 1e-16.
                return new if lo <= new <= hi else x
            if lo < new < hi:
                x = new
                continue
        # The step left the bracket: bisect (geometrically when the bracket spans decades).
        x = math.sqrt(lo * hi) if 0.0 < 4.0 * lo < hi else 0.5 * (lo + hi)
        if hi - lo <= 4e-16 * hi:
            return x
    raise ArithmeticError(f"beta quantile did not converge (a={a}, b={b}, p={p})")


def beta_quantile(p: object, a: object, b: object, upper_tail: bool = False) -> float:
    """Quantile of Beta(a, b): x with I_x(a, b) = p, or with upper_tail, 1 - I_x(a, b) = p.

    Passing the small upper tail (rather than 1 - p) keeps precision for upper limits.
    """
    a = _real(a, "a")
    b = _real(b, "b")
    if not (a > 0.0 and b > 0.0):
        raise ValueError("beta parameters must be positive")
    p = _probability(p)
    if p == 0.0:
        return 1.0 if upper_tail else 0.0
    if p == 1.0:
        return 0.0 if upper_tail else 1.0
    return _beta_quantile(a, b, p, upper_tail)


def _binom_tails(k: int, n: int, p: float) -> tuple[float, float]:
    """(P(X <= k), P(X > k)) for X ~ Binomial(n, p), each tail computed directly."""
    if k < 0:
        return 0.0, 1.0
    if k >= n:
        return 1.0, 0.0
    if p == 0.0:
        return 1.0, 0.0
    if p == 1.0:
        return 0.0, 1.0
    sf, cdf = _ibeta_pair(p, k + 1.0, float(n - k))  # P(X > k) = I_p(k+1, n-k)
    return cdf, sf


def _binom_pmf(k: int, n: int, p: float) -> float:
    if k < 0 or k > n:
        return 0.0
    if p == 0.0:
        return 1.0 if k == 0 else 0.0
    if p == 1.0:
        return 1.0 if k == n else 0.0
    if k == 0:
        return math.exp(-_bd0(float(n), n * (1.0 - p)) - n * p) if p < 0.1 else math.exp(n * math.log1p(-p))
    if k == n:
        return math.exp(-_bd0(float(n), n * p) - n * (1.0 - p)) if p > 0.9 else math.exp(n * math.log(p))
    # C(n, k) p^k q^(n-k) = n / (k (n-k)) * p^k q^(n-k) / B(k, n-k)
    return _beta_front(p, float(k), float(n - k)) * n / (k * (n - k))


def binom_pmf(k: object, n: object, p: object) -> float:
    """P(X = k) for X ~ Binomial(n, p), via Loader's saddle-point form (accurate for n ~ 10^6)."""
    n = _whole(n, "n")
    k = _whole(k, "k")
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    return _binom_pmf(k, n, _probability(p))


def binom_cdf(k: object, n: object, p: object) -> float:
    """P(X <= k) for X ~ Binomial(n, p)."""
    n = _whole(n, "n")
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    return _binom_tails(_whole(k, "k"), n, _probability(p))[0]


def binom_sf(k: object, n: object, p: object) -> float:
    """P(X > k) for X ~ Binomial(n, p), computed directly (no 1 - cdf cancellation)."""
    n = _whole(n, "n")
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    return _binom_tails(_whole(k, "k"), n, _probability(p))[1]


# ---------------------------------------------------------------- intervals


def proportion_ci(x: object, n: object, confidence: object = 0.95, method: object = "wilson") -> tuple[float, float]:
    """Two-sided confidence interval (lower, upper) for the proportion x/n, clipped to [0, 1].

    ``method`` is one of METHODS (or ``clopper_pearson`` for ``exact``).  x and n are
    whole numbers (whole floats accepted).  n == 0 raises ZeroDivisionError; a
    negative, fractional or too-large x, a confidence outside (0, 1) or an unknown
    method raise ValueError.
    """
    method = _method(method, METHODS)
    x, n = _count_and_total(x, n)
    confidence = _confidence(confidence)
    alpha2 = 0.5 * (1.0 - confidence)  # each tail
    if method == "exact":
        lower = 0.0 if x == 0 else _beta_quantile(float(x), float(n - x + 1), alpha2, False)
        upper = 1.0 if x == n else _beta_quantile(float(x + 1), float(n - x), alpha2, True)
        return _clip(lower), _clip(upper)
    if method == "jeffreys":
        a, b = x + 0.5, n - x + 0.5
        lower = 0.0 if x == 0 else _beta_quantile(a, b, alpha2, False)
        upper = 1.0 if x == n else _beta_quantile(a, b, alpha2, True)
        return _clip(lower), _clip(upper)
    z = _z(confidence)
    z2 = z * z
    phat = x / n
    if method == "wilson":
        denominator = 1.0 + z2 / n
        centre = (phat + z2 / (2.0 * n)) / denominator
        half = z * math.sqrt(phat * (1.0 - phat) / n + z2 / (4.0 * n * n)) / denominator
        lower = 0.0 if x == 0 else centre - half
        upper = 1.0 if x == n else centre + half
    elif method == "wilson_cc":
        # Newcombe (1998) method 4, as scipy writes it.
        denominator = 2.0 * (n + z2)
        centre = (2.0 * n * phat + z2) / denominator
        qhat = 1.0 - phat
        if x == 0:
            lower = 0.0
        else:
            lower = centre - (1.0 + z * math.sqrt(z2 - 2.0 - 1.0 / n + 4.0 * phat * (n * qhat + 1.0))) / denominator
        if x == n:
            upper = 1.0
        else:
            upper = centre + (1.0 + z * math.sqrt(z2 + 2.0 - 1.0 / n + 4.0 * phat * (n * qhat - 1.0))) / denominator
    elif method == "agresti_coull":
        n_tilde = n + z2
        p_tilde = (x + z2 / 2.0) / n_tilde
        half = z * math.sqrt(p_tilde * (1.0 - p_tilde) / n_tilde)
        lower, upper = p_tilde - half, p_tilde + half
    else:  # wald
        half = z * math.sqrt(phat * (1.0 - phat) / n)
        lower, upper = phat - half, phat + half
    return _clip(lower), _clip(upper)


def diff_ci_newcombe(
    x1: object, n1: object, x2: object, n2: object, confidence: object = 0.95
) -> tuple[float, float, float]:
    """(difference, lower, upper) for p1 - p2 of two independent proportions.

    Newcombe's (1998) hybrid score interval (method 10), built from the two Wilson
    intervals (l1, u1), (l2, u2):  d - sqrt((p1-l1)^2 + (u2-p2)^2)  to
    d + sqrt((u1-p1)^2 + (p2-l2)^2), where d = x1/n1 - x2/n2.
    """
    x1, n1 = _count_and_total(x1, n1, "x1", "n1")
    x2, n2 = _count_and_total(x2, n2, "x2", "n2")
    confidence = _confidence(confidence)
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = proportion_ci(x1, n1, confidence, "wilson")
    l2, u2 = proportion_ci(x2, n2, confidence, "wilson")
    d = p1 - p2
    lower = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, max(lower, -1.0), min(upper, 1.0)


def _binom_quantile_interpolated(n: int, theta: float, tail: float, upper: bool) -> float:
    """Spiegelhalter's interpolated binomial quantile r_p - alpha (see funnel_limits).

    ``tail`` is the probability outside the limit on its side: p = tail for the
    lower limit, p = 1 - tail for the upper one (kept as the small tail for precision).
    """

    def reached(r: int) -> bool:  # P(X <= r) >= p
        cdf, sf = _binom_tails(r, n, theta)
        return sf <= tail if upper else cdf >= tail

    lo, hi = -1, n  # reached(n) is always true; find the smallest r with reached(r)
    sd = math.sqrt(n * theta * (1.0 - theta))
    z = -normal_quantile(tail) if upper else normal_quantile(tail)
    guess = min(max(int(math.floor(n * theta + z * sd)), 0), n)
    # Gallop out from the normal-approximation guess, then bisect.
    step = 1 + int(sd // 8)
    if reached(guess):
        hi = guess
        while hi - step > lo and reached(hi - step):
            hi -= step
            step *= 2
        lo = max(lo, hi - step)
    else:
        lo = guess
        while lo + step < hi and not reached(lo + step):
            lo += step
            step *= 2
        hi = min(hi, lo + step)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if reached(mid):
            hi = mid
        else:
            lo = mid
    r = hi
    cdf, sf = _binom_tails(r, n, theta)
    excess = (tail - sf) if upper else (cdf - tail)  # P(X <= r) - p >= 0
    mass = _binom_pmf(r, n, theta)
    alpha = excess / mass if mass > 0.0 else 0.0
    return r - alpha


def funnel_limits(
    target: object, n: object, confidence: object = 0.95, method: object = "normal"
) -> tuple[float, float]:
    """Funnel-plot control limits (lower, upper) for a proportion around ``target`` (Spiegelhalter 2005).

    ``normal``: target -/+ z sqrt(target (1 - target) / n), z the two-sided normal
    critical value, clipped to [0, 1] (as Public Health England's funnel plots);
    n may be any positive number, so the funnel can be drawn as a smooth curve.

    ``exact``: binomial limits with Spiegelhalter's interpolation (2005, appendix).
    For each limit take p = (1 - confidence)/2 (lower) or (1 + confidence)/2 (upper),
    r_p = the smallest r with P(X <= r) >= p for X ~ Binomial(n, target), and
        alpha = (P(X <= r_p) - p) / P(X = r_p),   limit = (r_p - alpha) / n,
    clipped to [0, 1]; n must be a whole number.  (With scipy:
    r = binom.ppf(p, n, t); alpha = (binom.cdf(r, n, t) - p) / binom.pmf(r, n, t).)
    """
    method = _method(method, FUNNEL_METHODS)
    theta = _probability(target, "target")
    confidence = _confidence(confidence)
    if method == "normal":
        size = _real(n, "n")
        if not (size > 0.0 and math.isfinite(size)):
            if size == 0.0:
                raise ZeroDivisionError("n is 0: no funnel limits for an empty denominator")
            raise ValueError(f"n must be a positive number, got {n!r}")
        half = _z(confidence) * math.sqrt(theta * (1.0 - theta) / size)
        return _clip(theta - half), _clip(theta + half)
    size = _whole(n, "n")
    if size < 0:
        raise ValueError(f"n must not be negative, got {size}")
    if size == 0:
        raise ZeroDivisionError("n is 0: no funnel limits for an empty denominator")
    if theta == 0.0 or theta == 1.0:
        return theta, theta
    tail = 0.5 * (1.0 - confidence)
    lower = _binom_quantile_interpolated(size, theta, tail, upper=False) / size
    upper = _binom_quantile_interpolated(size, theta, tail, upper=True) / size
    return _clip(lower), _clip(upper)


def binom_two_sided_p(x: object, n: object, p: object) -> float:
    """Exact two-sided binomial test p-value for x successes in n trials with probability p.

    Same definition as scipy.stats.binomtest(x, n, p).pvalue: the total probability of
    outcomes no more likely than x, with a relative tolerance of 1e-7 on "no more likely".
    """
    x, n = _count_and_total(x, n)
    p = _probability(p)
    d = _binom_pmf(x, n, p)
    rerr = 1.0 + 1e-7
    mean = p * n
    if x == mean:
        return 1.0
    if x < mean:
        # first index at or above the mode whose probability is <= d*rerr
        lo, hi = math.ceil(mean), n
        ix = _binary_search(lambda k: -_binom_pmf(k, n, p), -d * rerr, lo, hi)
        y = n - ix + int(d * rerr == _binom_pmf(ix, n, p))
        pval = _binom_tails(x, n, p)[0] + _binom_tails(n - y, n, p)[1]
    else:
        ix = _binary_search(lambda k: _binom_pmf(k, n, p), d * rerr, 0, math.floor(mean))
        y = ix + 1
        pval = _binom_tails(y - 1, n, p)[0] + _binom_tails(x - 1, n, p)[1]
    return min(1.0, pval)


def _binary_search(a: Callable[[int], float], d: float, lo: int, hi: int) -> int:
    """Index i in [lo, hi] with a(i) <= d < a(i+1), for a ascending (scipy's search)."""
    while lo < hi:
        mid = lo + (hi - lo) // 2
        value = a(mid)
        if value < d:
            lo = mid + 1
        elif value > d:
            hi = mid - 1
        else:
            return mid
    return lo if a(lo) <= d else lo - 1
