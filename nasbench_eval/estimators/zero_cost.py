"""Zero-cost proxies as an estimator: ``zc:NAME[,NAME...][:KEY=VALUE,...]``.

``zc:synflow`` scores archs by synflow at initialisation; ``zc:synflow,snip,naswot`` scores
several in one shared pass per arch (one network, one batch, one backward for every
gradient proxy) and gives one column each (``score_columns``); a search needs exactly one.
Options (spec or ``--set``): ``seed`` (initial weights and the image batch, default 0), any
proxy option for every proxy that has it (``batch_size=128``) or for one
(``naswot.batch_size=64``). Scores are cached in the store per (proxy, dataset, seed,
options); archs already scored cost nothing and need no images.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ..datasets import get_dataset
from ..errors import BenchmarkFileError, MetricKeyError
from .base import Estimator
from .spec import ESTIMATORS

#: options every zc estimator knows besides the proxies' own
GLOBAL_OPTIONS = ("seed", "fresh_batch")
#: images a per-arch batch is drawn from (``fresh_batch=1``)
FRESH_POOL = 2048
#: archs scored between two writes of the cache (a killed run keeps its progress)
FLUSH_EVERY = 100


def _number(key: str, text):
    if isinstance(text, int | float) and not isinstance(text, bool):
        return text
    try:
        return int(text)
    except (TypeError, ValueError):
        pass
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value):
        raise MetricKeyError(f"zc option {key}: expected a finite number, got {text!r}")
    return value


def parse_zc_arg(arg: str) -> tuple[list[str], dict]:
    """'synflow,snip:batch_size=128,seed=1' -> (['synflow', 'snip'], {...})."""
    from ..proxies import PROXIES

    names_text, _, opts_text = arg.partition(":")
    names = [n.strip() for n in names_text.split(",") if n.strip()]
    if not names:
        raise MetricKeyError(
            f"zc needs a proxy name: zc:NAME[,NAME...]; proxies: {', '.join(PROXIES.names())}"
        )
    names = [PROXIES.resolve(n) for n in names]
    if len(set(names)) != len(names):
        raise MetricKeyError(f"zc:{names_text} names a proxy twice")
    options = {}
    for item in filter(None, (s.strip() for s in opts_text.split(","))):
        key, sep, value = item.partition("=")
        if not sep:
            raise MetricKeyError(f"zc option {item!r}: expected KEY=VALUE")
        options[key.strip()] = value.strip()
    return names, options


def resolve_options(names: list[str], given: dict) -> tuple[int, dict[str, dict]]:
    """(seed, per-proxy options): defaults overridden by global and 'proxy.key' options."""
    from ..proxies import PROXIES

    proxies = {n: PROXIES.get(n) for n in names}
    for n in names:
        proxies.update({v: PROXIES.get(v) for v in getattr(proxies[n], "voters", ())})
    known = set(GLOBAL_OPTIONS)
    for n, cls in proxies.items():
        known |= set(cls.options) | {f"{n}.{k}" for k in cls.options}
    unknown = sorted(set(given) - known)
    if unknown:
        raise MetricKeyError(f"unknown zc option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    seed = _number("seed", given.get("seed", 0))
    if not isinstance(seed, int) or seed < 0:
        raise MetricKeyError(f"zc option seed must be a non-negative integer, got {given.get('seed')!r}")
    fresh = _number("fresh_batch", given.get("fresh_batch", 0))
    if fresh not in (0, 1):
        raise MetricKeyError(f"zc option fresh_batch is 0 or 1, got {given.get('fresh_batch')!r}")
    per = {}
    for n, cls in proxies.items():
        opts = {}
        for k, option in cls.options.items():
            value = _number(k, given.get(f"{n}.{k}", given.get(k, option.default)))
            if isinstance(option.default, int) and value != int(value):
                raise MetricKeyError(f"zc option {n}.{k} must be an integer, got {value!r}")
            value = int(value) if isinstance(option.default, int) else float(value)
            if value < option.minimum:
                raise MetricKeyError(f"zc option {n}.{k} must be >= {option.minimum:g}, got {value!r}")
            opts[k] = value
        if fresh and cls.needs:
            opts["fresh_batch"] = 1
        per[n] = opts
    return seed, per


@ESTIMATORS.register(
    "zc",
    kind="zero-cost",
    description="zero-cost proxies at initialisation: zc:NAME[,NAME...] (e.g. zc:synflow)",
)
class ZeroCostEstimator(Estimator):
    budget_unit = "queries"
    spec_arg = "NAME[,NAME...]"

    def __init__(
        self,
        bench,
        dataset: str,
        names: list[str],
        options: dict | None = None,
        *,
        space=None,
        data_root=None,
        splits_dir=None,
        device: str = "cpu",
        verify: bool = True,
        cache: bool = True,
    ):
        from ..proxies import PROXIES

        super().__init__(space or bench.space)
        get_dataset(dataset)
        self.bench, self.dataset, self.names = bench, dataset, list(names)
        self.seed, self.options = resolve_options(self.names, dict(options or {}))
        self.proxies = {n: PROXIES.get(n)() for n in self.options}
        self.data_root, self.splits_dir, self.device, self.verify = data_root, splits_dir, device, verify
        self.cache = cache
        self._pool = None
        self._columns: dict[str, np.ndarray] = {}
        self.seconds = 0.0  # spent computing scores (not reading the cache)
        self.computed = 0  # archs whose scores were computed here
        self.label = f"{self.names[0]} score" if len(self.names) == 1 else "zero-cost scores"

    @classmethod
    def from_spec(cls, arg: str, context) -> ZeroCostEstimator:
        names, options = parse_zc_arg(arg)
        extra = context.options.get("zc", {})  # correlate --set KEY=VALUE
        return cls(
            context.bench,
            context.dataset,
            names,
            {**extra, **options},
            space=context.space,
            data_root=context.data_root,
            splits_dir=context.splits_dir,
            device=context.device,
            verify=context.verify,
        )

    # -- what and where ------------------------------------------------------------------
    def _key(self, name: str):
        from ..proxies.cache import CacheKey

        return CacheKey(name, self.dataset, self.seed, tuple(sorted(self.options[name].items())))

    def _file(self, name: str):
        from ..proxies.cache import ScoreFile

        return ScoreFile(self.bench.root, self._key(name), self.space.base.size)

    def spec_of(self, name: str) -> str:
        opts = ",".join(
            f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in self._key(name).options
        )
        return f"zc:{name}:seed={self.seed}" + (f",{opts}" if opts else "")

    def _column(self, name: str) -> np.ndarray:
        if name not in self._columns:
            size = self.space.base.size
            self._columns[name] = self._file(name).load() if self.cache else np.full(size, np.nan)
        return self._columns[name]

    # -- images --------------------------------------------------------------------------
    def _images(self, size: int):
        import torch

        from ..proxies.cache import POOL_CHUNK, load_pool, save_pool

        if self._pool is not None and len(self._pool[1]) >= size:
            return self._pool
        chunks = -(-size // POOL_CHUNK)
        pool = load_pool(self.bench.root, self.dataset, self.seed, size)  # read even with cache off
        if pool is None:
            x, y = self._draw(chunks * POOL_CHUNK)
            if self.cache:
                source = {"dataset": self.dataset, "seed": self.seed, "data_root": str(self.data_root)}
                save_pool(self.bench.root, self.dataset, self.seed, x, y, source)
            pool = (x, y)
        x, y = pool
        self._pool = (
            torch.from_numpy(np.ascontiguousarray(x)).to(self.device),
            torch.from_numpy(y).to(self.device),
        )
        return self._pool

    def _draw(self, n: int):
        """The first ``n`` augmented training images of a stream seeded with the proxy
        seed (random crop + flip, normalised, as the reference harness's train loader)."""
        from ..data.batches import DeviceBatches
        from ..data.splits import load_splits
        from ..proxies.cache import POOL_CHUNK

        if self.data_root is None:
            raise MetricKeyError(self._need_images("pass --data-root DIR"))
        try:
            splits = load_splits(self.dataset, self.data_root, self.splits_dir, verify=self.verify)
        except BenchmarkFileError as exc:
            if "missing dataset file" not in str(exc):
                raise
            raise BenchmarkFileError(f"{exc}; {self._need_images('')}") from None
        stream = DeviceBatches.of_split(
            splits.train, splits, POOL_CHUNK, augment=True, shuffle=True, device="cpu", seed=self.seed
        )
        xs, ys = [], []
        for x, y in stream:
            xs.append(x.numpy())
            ys.append(y.numpy())
            if sum(len(b) for b in ys) >= n:
                break
        return np.concatenate(xs)[:n].astype(np.float32), np.concatenate(ys)[:n].astype(np.int64)

    def _need_images(self, how: str) -> str:
        from ..data.raw import FOLDERS

        family = "imagenet16" if self.dataset.startswith("ImageNet") else self.dataset.split("-")[0]
        proxies = ",".join(n for n, p in self.proxies.items() if p.uses_images and p.needs)
        text = f"zc:{proxies} on {self.dataset} needs training images"
        text += f": {how} with {FOLDERS[family]}/" if how else f" in {FOLDERS[family]}/"
        if family.startswith("cifar"):
            text += " (python ../shared/tools/cifar_unpack.py DIR writes it)"
        return text

    # -- scoring -------------------------------------------------------------------------
    def _compute(self, missing: dict[str, np.ndarray], progress) -> None:
        """Score the codes each network proxy lacks (one probe per arch, shared by every
        proxy that needs the arch) and cache them."""
        from ..proxies import Probe
        from ..proxies.base import full_precision

        base = self.space.base
        names = list(missing)
        codes = np.unique(np.concatenate([np.zeros(0, np.int64), *missing.values()]))
        if not len(codes):
            return
        wants = {n: set(missing[n].tolist()) for n in names}
        need_images = max(
            (self.proxies[n].batch_size(self.options[n]) for n in names if self.proxies[n].needs),
            default=0,
        )
        fresh = any(self.options[n].get("fresh_batch") for n in names)
        images = self._images(FRESH_POOL if fresh else need_images) if need_images else None
        pending: dict[str, list[tuple[int, float]]] = {n: [] for n in names}
        start, done = time.perf_counter(), 0
        try:
            with full_precision():
                for code in progress(codes, len(codes)):
                    done += 1
                    arch = base.from_code(int(code))
                    probe = Probe(
                        base,
                        arch,
                        self.dataset,
                        seed=self.seed,
                        code=int(code),
                        images=self._fresh(images, int(code), need_images) if fresh else images,
                        device=self.device,
                    )
                    here = [n for n in names if int(code) in wants[n]]
                    for n in here:
                        p = self.proxies[n]
                        if p.needs:
                            probe.request(p.batch_size(self.options[n]), p.needs)
                    for n in here:
                        pending[n].append((int(code), self.proxies[n].score(probe, self.options[n])))
                    if done % FLUSH_EVERY == 0:
                        self._flush(pending)
        finally:
            self.seconds += time.perf_counter() - start
            self.computed += done
            self._flush(pending)

    def _fresh(self, images, code: int, size: int):
        """``fresh_batch=1``: a batch of its own per arch (as a harness that asks its shuffled
        loader for a new batch for every arch), drawn from the pool with the arch's seed."""
        import torch

        from ..proxies.base import arch_seed

        gen = torch.Generator().manual_seed(arch_seed(self.seed, code, salt="batch"))
        pick = torch.randperm(len(images[1]), generator=gen)[:size].to(images[1].device)
        return images[0][pick], images[1][pick]

    def _flush(self, pending: dict) -> None:
        import torch

        for n, items in pending.items():
            if not items:
                continue
            codes = np.array([c for c, _ in items], np.int64)
            values = np.array([v for _, v in items], np.float64)
            if self.cache:
                meta = {
                    "proxy": n,
                    "space": self.space.base.name,
                    "dataset": self.dataset,
                    "seed": self.seed,
                    "options": self.options[n],
                    "source": self.proxies[n].source,
                    "spec": self.spec_of(n),
                    "torch": torch.__version__,
                    "device": str(self.device),
                }
                self._columns[n] = self._file(n).merge(codes, values, meta)
            else:
                self._column(n)[codes] = values
            items.clear()

    def score_columns(self, choices, progress=None) -> dict[str, np.ndarray]:
        """One score column per proxy named in the spec, for (n, positions) choice rows."""
        progress = progress or (lambda it, total: it)
        codes = self.space.codes_of(np.atleast_2d(choices))
        wanted = list(self.names)
        voters = [v for n in wanted for v in getattr(self.proxies[n], "voters", ())]
        reference = self._reference() if voters else np.zeros(0, np.int64)
        networked = [
            n
            for n in dict.fromkeys(wanted + voters)
            if self.proxies[n].uses_network and not hasattr(self.proxies[n], "voters")
        ]
        targets = {n: codes for n in networked}
        for v in voters:  # a voter scores the archs asked for and the vote's reference sample
            targets[v] = np.concatenate([codes, reference])
        missing = {n: np.unique(t[np.isnan(self._column(n)[t])]) for n, t in targets.items()}
        self._compute({n: m for n, m in missing.items() if len(m)}, progress)
        out = {}
        for n in wanted:
            p = self.proxies[n]
            if hasattr(p, "voters"):
                from ..proxies.vote import majority_wins

                cols = np.stack([self._column(v) for v in p.voters], 1)
                out[n] = majority_wins(cols[codes], cols[reference])
            elif p.uses_network:
                out[n] = self._column(n)[codes].copy()
            else:  # flops, params: the exact cost model, no network
                out[n] = p.score_choices(self.space.base, self.dataset, np.atleast_2d(choices))
        return out

    def _reference(self) -> np.ndarray:
        """The vote's fixed reference sample: archs of the whole space drawn with the seed."""
        n = int(self.options["vote"]["reference"])
        size = self.space.base.size
        rng = np.random.default_rng([self.seed, 2021])
        return np.sort(rng.choice(size, min(n, size), replace=False)).astype(np.int64)

    def score_many(self, choices, progress=None) -> np.ndarray:
        if len(self.names) != 1:
            raise MetricKeyError(
                f"zc:{','.join(self.names)} gives {len(self.names)} columns; a search needs one proxy"
            )
        return self.score_columns(choices, progress)[self.names[0]]

    def describe_column(self, name: str, seconds: float | None = None) -> dict:
        """One proxy's description (correlation records keep one per column); ``seconds``:
        what scoring every column of the call took, ``computed``: archs not in the cache."""
        out = {
            "kind": "zero-cost",
            "spec": self.spec_of(name),
            "proxy": name,
            "dataset": self.dataset,
            "seed": self.seed,
            "options": self.options[name],
            "source": self.proxies[name].source,
            "device": str(self.device),
            "computed_archs": self.computed,
        }
        if seconds is not None:
            out["seconds_all_columns"] = seconds
        return out

    def describe(self) -> dict:
        described = {
            "kind": "zero-cost",
            "spec": ",".join(self.spec_of(n) for n in self.names),
            "dataset": self.dataset,
            "seed": self.seed,
            "device": str(self.device),
            "proxies": {
                n: {"options": self.options[n], "source": self.proxies[n].source} for n in self.options
            },
        }
        return described
