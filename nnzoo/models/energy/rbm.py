"""Restricted Boltzmann machine: Bernoulli-Bernoulli and Gaussian-Bernoulli, CD-k and PCD.

Paper: P. Smolensky, "Information processing in dynamical systems: Foundations of harmony
theory", in Parallel Distributed Processing, vol. 1, MIT Press, 1986.
https://doi.org/10.5555/104279.104290 (the chapter as a PDF:
https://stanford.edu/~jlmcc/papers/PDP/Volume%201/Chap6_PDP86.pdf)

Learning rule: G. E. Hinton, "Training products of experts by minimizing contrastive
divergence", Neural Computation 14(8), 2002 (CD-k), https://doi.org/10.1162/089976602760128018;
T. Tieleman, "Training restricted Boltzmann machines using approximations to the likelihood
gradient", ICML 2008 (persistent CD), https://doi.org/10.1145/1390156.1390290; G. E. Hinton,
"A practical guide to training restricted Boltzmann machines", UTML TR 2010-003 (momentum,
weight decay, Gaussian visible units). Log Z by annealed importance sampling:
R. Salakhutdinov, I. Murray, "On the quantitative analysis of deep belief networks",
ICML 2008, https://doi.org/10.1145/1390156.1390266.

Reference implementation: scikit-learn's ``BernoulliRBM`` (PCD-1, Cython-free NumPy),
https://github.com/scikit-learn/scikit-learn/blob/main/sklearn/neural_network/_rbm.py, and
the LISA lab Deep Learning Tutorials (``rbm.py``).

The math. Visible units ``v`` (D), hidden units ``h`` in {0, 1}^H, weights ``W`` (H, D),
visible bias ``b`` (D), hidden bias ``c`` (H).

- Bernoulli visible units, ``v`` in {0, 1}^D (or probabilities in [0, 1] as soft data):
  ``E(v, h) = -b.v - c.h - h.W v``; ``p(h_j = 1 | v) = sigmoid(c_j + W_j v)``,
  ``p(v_i = 1 | h) = sigmoid(b_i + W_:i . h)``; free energy
  ``F(v) = -log sum_h exp(-E) = -b.v - sum_j softplus(c_j + W_j v)``.
- Gaussian visible units of unit variance (on standardised data):
  ``E(v, h) = |v - b|^2 / 2 - c.h - h.W v``; ``v | h ~ N(b + W^T h, I)``;
  ``F(v) = |v - b|^2 / 2 - sum_j softplus(c_j + W_j v)``.

``p(v) = exp(-F(v)) / Z``. The log-likelihood gradient is a positive (data) phase minus a
negative (model) phase, ``dlog p / dW = <h v^T>_data - <h v^T>_model``. CD-k estimates the
model term by k steps of block Gibbs sampling started at the data; PCD keeps ``n_chains``
persistent chains (their hidden states are a buffer) and advances them k steps per update.
The update, with momentum ``m`` and L2 weight decay ``l2`` (on ``W`` only):
``vel <- m vel + rate (grad - l2 W)``, ``W <- W + vel``.

Pseudo-log-likelihood ``sum_i log p(v_i | v_-i) = sum_i log sigmoid(F(v^(i)) - F(v))`` where
``v^(i)`` is ``v`` with bit ``i`` flipped; its one-bit estimate ``D log sigmoid(F(v^(i)) -
F(v))`` with ``i`` at random is scikit-learn's ``score_samples``.

AIS (Salakhutdinov & Murray 2008): anneal from a base model A (``W = 0``, ``c = 0``, visible
bias ``b_A``) to the RBM B through ``p_beta*(v) = exp((1-beta) b_A.v + beta b.v)
prod_j (1 + exp(beta (c_j + W_j v)))`` with ``0 = beta_0 < ... < beta_K = 1``; each run
starts from an exact sample of A, moves by a Gibbs step that leaves ``p_beta_k`` invariant and
accumulates ``log w += log p*_beta_k(v_k) - log p*_beta_{k-1}(v_k)``; then
``Z_B / Z_A ~= mean(w)`` with ``log Z_A = H log 2 + sum_i softplus(b_A,i)`` (Gaussian
visible units: the base is ``N(b, I)`` and ``log Z_A = H log 2 + D/2 log 2 pi``).

Parameter names: the engine's ``TrainConfig`` owns ``lr``, ``momentum``, ``weight_decay`` and
``batch_size`` (for gradient-trained models); this model's own rule reads
``learning_rate``, ``momentum_coef`` and ``l2`` from its config instead.

Beside this file: the scikit-learn transformer in :mod:`~nnzoo.models.energy.rbm_estimator`,
the pictures in :mod:`~nnzoo.models.energy.rbm_plots`, log Z in
:mod:`~nnzoo.models.energy.rbm_partition`, the unit helpers shared with the BM and
the DBN in :mod:`~nnzoo.models.energy.units`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
import torch.nn.functional as F

from nnzoo.core.config import require
from nnzoo.core.device import small_work_threads
from nnzoo.core.errors import NotFittedError
from nnzoo.models.base import Batch, ZooModule
from nnzoo.models.energy import rbm_partition, rbm_plots
from nnzoo.models.energy.units import bernoulli, check_unit_interval
from nnzoo.models.registry import register


@dataclass
class RBMConfig:
    """Hyperparameters of :class:`RBM`.

    :param sample_shape: shape of one visible sample (flattened on entry).
    :param n_hidden: number of hidden units H.
    :param visible: ``bernoulli`` (data in [0, 1]) or ``gaussian`` (unit variance, for
        standardised real data).
    :param k: Gibbs steps per update (CD-k / PCD-k).
    :param persistent: persistent chains (PCD, Tieleman 2008) instead of chains restarted at
        the data (CD).
    :param n_chains: number of persistent chains (PCD only).
    :param learning_rate: step size of the rule.
    :param momentum_coef: momentum of the update (0 = plain stochastic gradient).
    :param l2: L2 weight decay on ``W``.
    :param init_std: standard deviation of the initial weights (biases start at 0).
    :param mean_field_visible: the negative phase uses the visible probabilities p(v | h)
        instead of a binary sample (less sampling noise; Hinton's practical guide, sec. 3.2).
    :param vbias_init: ``zero``, or ``logit-mean``: visible biases start at log(p / (1 - p)) of
        each unit's mean over the training split (set by :meth:`RBM.on_fit_start`; guide 8.1).
    :param momentum_warmup: updates at momentum ``min(0.5, momentum_coef)`` before
        ``momentum_coef`` applies (the guide's 0.5 for the first epochs, then 0.9).
    """

    sample_shape: tuple[int, ...] = (1, 8, 8)
    n_hidden: int = 100
    visible: Literal["bernoulli", "gaussian"] = "bernoulli"
    k: int = 1
    persistent: bool = True
    n_chains: int = 10
    learning_rate: float = 0.06
    momentum_coef: float = 0.0
    l2: float = 0.0
    init_std: float = 0.01
    mean_field_visible: bool = False
    vbias_init: Literal["zero", "logit-mean"] = "zero"
    momentum_warmup: int = 0

    def __post_init__(self) -> None:
        require(isinstance(self.sample_shape, tuple) and len(self.sample_shape) >= 1
                and all(isinstance(s, int) and s >= 1 for s in self.sample_shape),
                f"sample_shape must be positive sizes, got {self.sample_shape!r}")
        require(self.n_hidden >= 1, f"n_hidden must be >= 1, got {self.n_hidden}")
        require(self.visible in ("bernoulli", "gaussian"),
                f"visible must be bernoulli or gaussian, got {self.visible!r}")
        require(self.k >= 1, f"k must be >= 1, got {self.k}")
        require(self.n_chains >= 1, f"n_chains must be >= 1, got {self.n_chains}")
        require(self.learning_rate > 0, f"learning_rate must be > 0, got {self.learning_rate}")
        require(0 <= self.momentum_coef < 1,
                f"momentum_coef must be in [0, 1), got {self.momentum_coef}")
        require(self.l2 >= 0, f"l2 must be >= 0, got {self.l2}")
        require(self.init_std > 0, f"init_std must be > 0, got {self.init_std}")
        require(self.vbias_init in ("zero", "logit-mean"),
                f"vbias_init must be zero or logit-mean, got {self.vbias_init!r}")
        require(self.momentum_warmup >= 0,
                f"momentum_warmup must be >= 0 updates, got {self.momentum_warmup}")


@register("rbm", config=RBMConfig, rule="contrastive divergence (CD-k / persistent CD)",
          peer="scikit-learn BernoulliRBM",
          reference="https://github.com/scikit-learn/scikit-learn/blob/main/sklearn/"
                    "neural_network/_rbm.py")
class RBM(ZooModule[RBMConfig]):
    """Restricted Boltzmann machine trained by CD-k or persistent CD.

    ``forward(x)`` returns the hidden probabilities ``p(h = 1 | v)`` (B, H): the features an
    RBM gives a classifier. The weights are buffers updated by the model's own rule.

    :param config: an :class:`RBMConfig`.
    """

    automatic_optimization = False
    weight: torch.Tensor                                                   # buffers
    vbias: torch.Tensor
    hbias: torch.Tensor
    chain: torch.Tensor
    vel_w: torch.Tensor
    vel_b: torch.Tensor
    vel_c: torch.Tensor
    updates: torch.Tensor

    def __init__(self, config: RBMConfig) -> None:
        super().__init__(config)
        d, h = math.prod(config.sample_shape), config.n_hidden
        self.n_visible = d
        self.register_buffer("weight", torch.randn(h, d) * config.init_std)  # W (H, D)
        self.register_buffer("vbias", torch.zeros(d))                         # b (D,)
        self.register_buffer("hbias", torch.zeros(h))                         # c (H,)
        self.register_buffer("chain", torch.zeros(config.n_chains, h))        # PCD h states
        self.register_buffer("vel_w", torch.zeros(h, d))                      # momentum
        self.register_buffer("vel_b", torch.zeros(d))
        self.register_buffer("vel_c", torch.zeros(h))
        self.register_buffer("updates", torch.zeros((), dtype=torch.int64))

    @property
    def gaussian(self) -> bool:
        return self.config.visible == "gaussian"

    # -- conditionals and energies ----------------------------------------------------------

    def hidden_probs(self, v: torch.Tensor) -> torch.Tensor:
        """p(h_j = 1 | v) = sigmoid(c_j + W_j v); v (B, D) -> (B, H)."""
        return torch.addmm(self.hbias, v, self.weight.T).sigmoid_()

    def visible_mean(self, h: torch.Tensor) -> torch.Tensor:
        """E[v | h]: sigmoid(b + W^T h) (Bernoulli) or b + W^T h (Gaussian); (B, D)."""
        a = torch.addmm(self.vbias, h, self.weight)
        return a if self.gaussian else torch.sigmoid_(a)

    def _negative_visible(self, h: torch.Tensor) -> torch.Tensor:
        """The negative phase's visible units: a sample of p(v | h), or its mean when
        ``mean_field_visible``."""
        if self.config.mean_field_visible and not self.gaussian:
            return self.visible_mean(h)
        return self.sample_visible(h)

    def on_fit_start(self, X: torch.Tensor, seed: int = 0) -> None:
        """Before the first update: visible biases from the data when ``vbias_init`` asks."""
        if self.config.vbias_init == "logit-mean" and int(self.updates) == 0:
            self.init_visible_bias(X)

    @torch.no_grad()
    def init_visible_bias(self, X: torch.Tensor) -> None:
        """b_i = log(p_i / (1 - p_i)) with p_i the mean of unit i over ``X`` (clamped to
        [1e-3, 1 - 1e-3]); for Gaussian units b_i = the mean."""
        m = X.flatten(1).mean(0).to(self.vbias)
        if not self.gaussian:
            m = m.clamp(1e-3, 1 - 1e-3)
            m = torch.log(m / (1 - m))
        self.vbias.copy_(m)

    def sample_visible(self, h: torch.Tensor) -> torch.Tensor:
        """v ~ p(v | h): Bernoulli(sigmoid(b + W^T h)) or N(b + W^T h, I); (B, D)."""
        m = self.visible_mean(h)
        return m + torch.randn_like(m) if self.gaussian else bernoulli(m)

    def free_energy(self, v: torch.Tensor) -> torch.Tensor:
        """F(v) = -log sum_h exp(-E(v, h)); v (B, D) -> (B,)."""
        soft = F.softplus(torch.addmm(self.hbias, v, self.weight.T)).sum(1)  # sum_j softplus
        if self.gaussian:
            return 0.5 * (v - self.vbias).pow(2).sum(1) - soft     # |v-b|^2/2 - sum softplus
        return -(v @ self.vbias) - soft                             # -b.v - sum softplus

    def energy(self, v: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """E(v, h); (B, D), (B, H) -> (B,)."""
        inter = ((h @ self.weight) * v).sum(1) + h @ self.hbias  # h.W v + c.h
        if self.gaussian:
            return 0.5 * (v - self.vbias).pow(2).sum(1) - inter
        return -(v @ self.vbias) - inter

    def reconstruct(self, v: torch.Tensor) -> torch.Tensor:
        """Mean-field reconstruction E[v | h = p(h | v)]; (B, D)."""
        return self.visible_mean(self.hidden_probs(v))

    # -- the learning rule ------------------------------------------------------------------

    @torch.no_grad()
    def update(self, v: torch.Tensor) -> torch.Tensor:
        """One CD-k / PCD-k step on a batch v (B, D) (no checks); returns p(h | v) (B, H)."""
        hp = self._update(v)
        self.updates += 1
        return hp

    def _update(self, v: torch.Tensor) -> torch.Tensor:
        """:meth:`update` without the step counter or the no-grad guard (the caller's)."""
        cfg = self.config
        w, b, c = self.weight, self.vbias, self.hbias
        n = v.shape[0]
        if cfg.persistent:                                 # PCD: the chains ignore the data
            h = self.chain
            for _ in range(cfg.k - 1):                     # k - 1 Gibbs steps of the chains
                h = bernoulli(torch.addmm(c, self.sample_visible(h), w.T).sigmoid_())
            vn = self._negative_visible(h)                 # v ~ p(v|h)              (C, D)
            x2 = torch.cat([v, vn])                        # data and chains        (B+C, D)
            h2 = torch.addmm(c, x2, w.T).sigmoid_()        # p(h|v) of both, one product
            hn = h2[n:]
        else:                                              # CD-k: chains start at the data
            hp = torch.addmm(c, v, w.T).sigmoid_()         # positive phase p(h|v)  (B, H)
            h = bernoulli(hp)
            for _ in range(cfg.k):                         # k steps of block Gibbs sampling
                vn = self._negative_visible(h)             # v ~ p(v|h)             (B, D)
                hn = torch.addmm(c, vn, w.T).sigmoid_()    # p(h|v)                 (B, H)
                h = bernoulli(hn)
            x2, h2 = torch.cat([v, vn]), torch.cat([hp, hn])
        if cfg.persistent:
            self._buffers["chain"] = bernoulli(hn)         # the chains' new hidden states
        s = self._signs(n, vn.shape[0], v)                 # +1/B on data, -1/C on chains
        hs = h2 * s[:, None]
        rate = cfg.learning_rate
        if cfg.momentum_coef == 0 and cfg.l2 == 0:         # plain step, in place
            w.addmm_(hs.T, x2, alpha=rate)                 # W += rate (<h v^T>_data - _model)
            b.addmv_(x2.T, s, alpha=rate)                  # b += rate (<v>_data - <v>_model)
            c.addmv_(h2.T, s, alpha=rate)                  # c += rate (<h>_data - <h>_model)
        else:
            gw = hs.T @ x2 - cfg.l2 * w                    # grad - l2 W
            mom = cfg.momentum_coef if int(self.updates) >= cfg.momentum_warmup \
                else min(0.5, cfg.momentum_coef)
            for vel, g, p in ((self.vel_w, gw, w), (self.vel_b, x2.T @ s, b),
                              (self.vel_c, h2.T @ s, c)):
                vel.mul_(mom).add_(g, alpha=rate)          # vel = m vel + rate g
                p.add_(vel)
        return h2[:n]

    def run_epoch(self, X: torch.Tensor, slices: list[slice]) -> None:
        """One pass of :meth:`update` over the batches ``X[sl]`` (no checks, no grad).

        Plain PCD-1 (Bernoulli units, no momentum or decay) runs a tight loop with every
        tensor bound once: the same arithmetic and random draws as :meth:`_update` (a test
        checks they agree), without the per-call Python overhead that dominates tiny batches.
        """
        cfg = self.config
        if not (cfg.persistent and cfg.k == 1 and not self.gaussian and cfg.momentum_coef == 0
                and cfg.l2 == 0 and not cfg.mean_field_visible):
            for sl in slices:
                self._update(X[sl])
                self.updates += 1
            return
        w, b, c = self.weight, self.vbias, self.hbias
        wt, rate, h = w.T, cfg.learning_rate, self.chain
        rand_like, addmm, cat = torch.rand_like, torch.addmm, torch.cat
        for sl in slices:
            v = X[sl]
            n = v.shape[0]
            p = addmm(b, h, w).sigmoid_()                  # p(v|h) of the chains
            vn = rand_like(p).lt_(p)                       # v ~ p(v|h)
            x2 = cat([v, vn])                              # (B+C, D)
            h2 = addmm(c, x2, wt).sigmoid_()               # p(h|v) of data and chains
            hn = h2[n:]
            h = rand_like(hn).lt_(hn)                      # the chains' new hidden states
            s = self._signs(n, vn.shape[0], v)             # +1/B data, -1/C chains
            w.addmm_((h2 * s[:, None]).T, x2, alpha=rate)  # W += rate (<hv>_data - <hv>_model)
            b.addmv_(x2.T, s, alpha=rate)
            c.addmv_(h2.T, s, alpha=rate)
        self._buffers["chain"] = h
        self.updates += len(slices)

    def _signs(self, n: int, m: int, like: torch.Tensor) -> torch.Tensor:
        """The cached weights (1/n, ..., 1/n, -1/m, ..., -1/m) of data and chain rows."""
        key = (n, m, like.dtype, like.device)
        cache = self.__dict__.setdefault("_signs_cache", {})
        if key not in cache:
            cache[key] = torch.cat([torch.full((n,), 1 / n), torch.full((m,), -1 / m)]).to(like)
        return cache[key]

    def _flat(self, x: torch.Tensor, *, finite: bool, values: bool) -> torch.Tensor:
        self.check(x, finite=finite)
        v = x.flatten(1)
        if values and not self.gaussian:
            check_unit_interval(v, f"{self.model_id} input", gaussian_option=True)
        return v

    @torch.no_grad()
    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        v = self._flat(batch[0], finite=True, values=True)              # (B, D)
        work = v.shape[0] * self.n_visible * self.config.n_hidden
        with small_work_threads(work if v.device.type == "cpu" else 1 << 30):
            hp = self.update(v)
            recon = self.visible_mean(hp)                               # p(v | p(h|v)) (B, D)
            return {"loss": (v - recon).pow(2).mean()}

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        v = self._flat(batch[0], finite=True, values=False)
        out = {"loss": (v - self.reconstruct(v)).pow(2).mean(),        # per-unit squared error
               "free_energy": self.free_energy(v).mean()}
        if not self.gaussian:
            g = torch.Generator().manual_seed(0)                         # same bits every call
            out["pseudo_log_likelihood"] = self.pseudo_log_likelihood(v, generator=g).mean()
        if self.config.n_hidden <= 16 or (not self.gaussian and self.n_visible <= 16):
            out["log_likelihood"] = self.log_likelihood(v).mean()
        return out

    # -- inference --------------------------------------------------------------------------

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Hidden probabilities p(h = 1 | v) (B, H) of a batch of visible samples."""
        return self.hidden_probs(self._flat(x, finite=False, values=False))

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """p(h = 1 | v) (B, H), with every input check (finite; [0, 1] for Bernoulli units)."""
        return self.hidden_probs(self._flat(x, finite=True, values=True))

    def require_fitted(self) -> None:
        if int(self.updates) == 0:
            raise NotFittedError(f"this {self.model_id} has not been trained yet; train it "
                                 "before sampling from it")

    @torch.no_grad()
    def sample(self, n: int, steps: int = 1000, v0: torch.Tensor | None = None) -> torch.Tensor:
        """Fantasies: ``steps`` of block Gibbs sampling from ``v0`` (random when None); returns
        the visible means of the last step, shape (n, *sample_shape)."""
        self.require_fitted()
        if v0 is None:
            v = torch.rand(n, self.n_visible, device=self.weight.device)
            v = v.bernoulli() if not self.gaussian else self.vbias + torch.randn_like(v)
        else:
            v = v0.flatten(1).to(self.weight)
        work = v.shape[0] * self.n_visible * self.config.n_hidden
        with small_work_threads(work if v.device.type == "cpu" else 1 << 30):
            for _ in range(steps):
                h = bernoulli(self.hidden_probs(v))
                v = self.sample_visible(h)
            return self.visible_mean(h).reshape(-1, *self.sample_shape)

    # -- likelihoods ------------------------------------------------------------------------

    def pseudo_log_likelihood(self, v: torch.Tensor, *, exact: bool = False,
                              generator: torch.Generator | None = None) -> torch.Tensor:
        """Pseudo-log-likelihood per sample (B,): the sum over every bit when ``exact``, else
        the one-bit estimate D log sigmoid(F(v^(i)) - F(v)) with i at random (scikit-learn)."""
        a = torch.addmm(self.hbias, v, self.weight.T)                   # c + W v   (B, H)
        fe = -(v @ self.vbias) - F.softplus(a).sum(1)                  # F(v)      (B,)
        flip = 1 - 2 * v                                                # change of each bit
        if exact:                                                       # every bit: (B, D, H)
            a_i = a[:, None, :] + flip[:, :, None] * self.weight.T[None]
            fe_i = fe[:, None] + F.softplus(a).sum(1)[:, None] - flip * self.vbias \
                - F.softplus(a_i).sum(2)                                # F(v^(i))  (B, D)
            return F.logsigmoid(fe_i - fe[:, None]).sum(1)
        i = torch.randint(0, self.n_visible, (v.shape[0],), generator=generator).to(v.device)
        d = flip.gather(1, i[:, None])                                  # (B, 1)
        a_i = a + d * self.weight.T[i]                                  # (B, H)
        fe_i = -(v @ self.vbias) - d[:, 0] * self.vbias[i] - F.softplus(a_i).sum(1)
        return self.n_visible * F.logsigmoid(fe_i - fe)

    @torch.no_grad()
    def exact_log_partition(self) -> torch.Tensor:
        """log Z by exact enumeration of 2^min(D, H) states (see
        :func:`~nnzoo.models.energy.rbm_partition.exact_log_partition`)."""
        return rbm_partition.exact_log_partition(self.weight, self.vbias, self.hbias,
                                                 self.gaussian)

    @torch.no_grad()
    def log_likelihood(self, v: torch.Tensor, log_z: torch.Tensor | float | None = None
                       ) -> torch.Tensor:
        """log p(v) = -F(v) - log Z per sample (B,); log Z exact unless given."""
        if log_z is None:
            log_z = self.exact_log_partition()
        return -self.free_energy(v).double() - log_z

    @torch.no_grad()
    def ais_log_partition(self, n_runs: int = 100, n_betas: int = 10000,
                          base_vbias: torch.Tensor | None = None,
                          generator: torch.Generator | None = None) -> tuple[float, float]:
        """Estimate log Z by annealed importance sampling (Salakhutdinov & Murray 2008).

        :param n_runs: independent annealing runs (vectorised).
        :param n_betas: intermediate distributions, beta evenly spaced in [0, 1].
        :param base_vbias: the base model's visible bias b_A (Bernoulli; default 0, or the
            logit of the data mean for a better base).
        :returns: (log Z estimate, its standard error from the spread of the weights).
        """
        work = n_runs * self.n_visible * self.config.n_hidden
        with small_work_threads(work if self.weight.device.type == "cpu" else 1 << 30):
            return rbm_partition.ais_log_partition(self.weight, self.vbias, self.hbias,
                                                   self.gaussian, n_runs, n_betas, base_vbias,
                                                   generator)


    # -- pictures ---------------------------------------------------------------------------

    def _image_shape(self) -> tuple[int, int] | None:
        s = tuple(x for x in self.sample_shape if x != 1)
        if len(s) == 2:
            return s
        r = math.isqrt(self.n_visible)
        return (r, r) if r * r == self.n_visible else None

    def visualize(self, out_dir: Path) -> list[Path]:
        """The filters (each hidden unit's weights as an image) and, once trained, 64
        fantasies; nothing when the visible units do not form an image."""
        return rbm_plots.plot_rbm(self, Path(out_dir))


__all__ = ["RBM", "RBMConfig"]
