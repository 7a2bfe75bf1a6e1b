"""fuzz/check-oss-fuzz-build's checks (the part that mirrors OSS-Fuzz's check_build), on tiny
targets made here: a good one passes; a crashing seed, a plain (uninstrumented) build and an
empty $OUT fail with the reason. The full run over fuzz/build.sh is `make fuzz-oss-check`."""

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "fuzz" / "check-oss-fuzz-build"

pytestmark = pytest.mark.skipif(shutil.which("clang") is None or shutil.which("unzip") is None,
                                reason="clang and unzip needed (apt-get install clang unzip)")

TARGET_C = r"""
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 4 && data[0] == 'B' && data[1] == 'O' && data[2] == 'O' && data[3] == 'M')
        abort();
    return 0;
}
"""


def build_target(out, name, flags):
    src = out.parent / (name + ".c")
    src.write_text(TARGET_C)
    subprocess.run(["clang", "-g", *flags, str(src), "-o", str(out / name)], check=True,
                   timeout=120)


def seed_zip(out, name, inputs):
    with zipfile.ZipFile(str(out / (name + "_seed_corpus.zip")), "w") as z:
        for i, data in enumerate(inputs):
            z.writestr("seed%d" % i, data)


def check(out):
    return subprocess.run([str(CHECK), "--no-build", "--out", str(out)], capture_output=True,
                          text=True, timeout=300, cwd=str(out.parent))


@pytest.fixture
def out(tmp_path):
    d = tmp_path / "out"
    d.mkdir()
    return d


def test_good_target_passes(out):
    build_target(out, "fuzz_good", ["-fsanitize=address,fuzzer"])
    seed_zip(out, "fuzz_good", [b"hello", b"BOO", b""])
    (out / "fuzz_good.dict").write_text('kw="BOOM"\n')
    r = check(out)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ok   fuzz_good: runs its 3 seed inputs" in r.stdout
    assert "ok   fuzz_good: dictionary fuzz_good.dict accepted" in r.stdout
    assert "1 targets checked" in r.stdout and "0 failures" in r.stdout


def test_crashing_seed_fails(out):
    build_target(out, "fuzz_bad", ["-fsanitize=address,fuzzer"])
    seed_zip(out, "fuzz_bad", [b"fine", b"BOOM!"])
    r = check(out)
    assert r.returncode == 1, r.stdout
    assert "FAIL fuzz_bad:" in r.stdout and "seed inputs" in r.stdout, r.stdout
    # libFuzzer's crash file goes to the check's scratch folder, not where it was started
    assert not list(out.parent.glob("crash-*")) and not list(out.glob("crash-*"))


def test_uninstrumented_target_fails(out):
    build_target(out, "fuzz_plain", ["-fsanitize=fuzzer"])   # libFuzzer, no ASan
    r = check(out)
    assert r.returncode == 1, r.stdout
    assert "FAIL fuzz_plain: not built with -fsanitize=address" in r.stdout, r.stdout


def test_no_targets_fails(out):
    (out / "README").write_text("not a target\n")
    r = check(out)
    assert r.returncode == 1
    assert "no fuzz target in" in r.stdout, r.stdout
