"""Build walrus_core._native: one Cython extension over the C core.

Every ISA's kernel files form their own static library with their own flags
(-mssse3, -mavx2, ...), so nothing outside walrus_core/csrc/kernels/*_<isa>.c
is ever compiled with instructions a baseline CPU lacks. Knobs:

* WALRUS_CORE_NO_ISA="avx2,ssse3"  compile those ISAs out (-DWC_NO_<ISA>)
* WALRUS_CORE_DEBUG=1              -O0 -g
* WALRUS_CORE_SANITIZE=1           -fsanitize=address,undefined (for local runs)
* WALRUS_CORE_TESTING=1            a testing build (-DWC_TESTING): tests may set the
                                   tuning knobs of csrc/tuning.h (never for a wheel)
* CFLAGS                           honoured as usual
"""

from __future__ import annotations

import os
import platform
import sys
from glob import glob

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

CSRC = os.path.join("walrus_core", "csrc")
KERNELS = os.path.join(CSRC, "kernels")
MSVC = sys.platform == "win32"

machine = platform.machine().lower()
IS_X86_64 = machine in ("x86_64", "amd64") and sys.maxsize > 2**32
IS_AARCH64 = machine in ("aarch64", "arm64")
# cibuildwheel cross builds (macOS universal) set ARCHFLAGS.
archflags = os.environ.get("ARCHFLAGS", "")
if "arm64" in archflags and "x86_64" not in archflags:
    IS_X86_64, IS_AARCH64 = False, True
elif "x86_64" in archflags and "arm64" not in archflags:
    IS_X86_64, IS_AARCH64 = True, False

# ISA -> (gcc/clang flags, MSVC flags, architecture it belongs to)
ISA_FLAGS: dict[str, tuple[list[str], list[str], bool]] = {
    "ssse3": (["-mssse3"], [], IS_X86_64),
    "avx2": (["-mavx2"], ["/arch:AVX2"], IS_X86_64),
    "avx512": (["-mavx512f"], ["/arch:AVX512"], IS_X86_64),
    "neon": ([], [], IS_AARCH64),
}

disabled = {s.strip().lower() for s in os.environ.get("WALRUS_CORE_NO_ISA", "").split(",") if s.strip()}
unknown = disabled - set(ISA_FLAGS)
if unknown:
    raise SystemExit(f"WALRUS_CORE_NO_ISA: unknown ISA(s) {sorted(unknown)}; known: {sorted(ISA_FLAGS)}")

macros: list[tuple[str, str | None]] = [(f"WC_NO_{isa.upper()}", None) for isa in sorted(disabled)]
if os.environ.get("WALRUS_CORE_TESTING") == "1":
    macros.append(("WC_TESTING", None))

if MSVC:
    base_cflags = ["/O2"]
elif os.environ.get("WALRUS_CORE_DEBUG") == "1":
    base_cflags = ["-O0", "-g"]
else:
    base_cflags = ["-O3"]
if not MSVC:
    base_cflags += ["-std=c11", "-fno-strict-aliasing", "-Wall", "-Wno-unused-function"]
    if os.environ.get("WALRUS_CORE_SANITIZE") == "1":
        base_cflags += ["-fsanitize=address,undefined", "-fno-omit-frame-pointer"]
    if sys.platform.startswith("linux"):
        base_cflags += ["-D_GNU_SOURCE"]

core_sources = sorted(glob(os.path.join(CSRC, "*.c"))) + sorted(glob(os.path.join(KERNELS, "*_portable.c")))

libraries = []
for isa, (gcc_flags, msvc_flags, on_this_arch) in ISA_FLAGS.items():
    sources = sorted(glob(os.path.join(KERNELS, f"*_{isa}.c")))
    if not sources or not on_this_arch or isa in disabled:
        continue
    libraries.append(
        (
            f"wc_kernels_{isa}",
            {
                "sources": sources,
                "include_dirs": [CSRC, KERNELS],
                "macros": macros,
                "cflags": base_cflags + (msvc_flags if MSVC else gcc_flags),
            },
        )
    )

link_args: list[str] = []
if not MSVC:
    link_args.append("-pthread")
    if os.environ.get("WALRUS_CORE_SANITIZE") == "1":
        link_args.append("-fsanitize=address,undefined")

extension = Extension(
    "walrus_core._native",
    sources=[os.path.join("walrus_core", "_native.pyx"), *core_sources],
    include_dirs=[CSRC, KERNELS],
    # headers, and the per-ISA kernel sources: a kernel change must relink the
    # extension against the rebuilt static library
    depends=sorted(
        glob(os.path.join(CSRC, "*.h"))
        + glob(os.path.join(KERNELS, "*.h"))
        + [src for _, info in libraries for src in info["sources"]]
    ),
    define_macros=macros,
    extra_compile_args=base_cflags + ([] if MSVC else ["-pthread"]),
    extra_link_args=link_args,
)


class BuildExtWithKernels(build_ext):
    """`build_ext --inplace` alone must also build the per-ISA kernel libraries."""

    def run(self) -> None:
        if self.distribution.has_c_libraries():
            build_clib = self.get_finalized_command("build_clib")
            # The kernel libraries are small: always rebuild them, so a changed
            # header can never leave a stale kernel behind.
            build_clib.force = True
            # run_command runs it once per setup() call, also when `build`
            # already did.
            self.run_command("build_clib")
        super().run()


setup(
    cmdclass={"build_ext": BuildExtWithKernels},
    libraries=libraries,
    ext_modules=cythonize(
        [extension],
        language_level=3,
        compiler_directives={"boundscheck": False, "wraparound": False, "embedsignature": True},
        include_path=["walrus_core"],
    ),
)
