# Type stubs of the native module (python/src/*.rs).
import os
from collections.abc import Iterable, Mapping
from typing import Any, Literal, Optional, Sequence, Union, final, overload

from ._errors import RenderError

__all__ = ["Poster", "Template", "presets"]

_Path = Union[str, os.PathLike[str]]
_Bytes = Union[bytes, bytearray]
_Overflow = Literal["error", "truncate", "warn"]
_Format = Literal["png", "jpeg", "jpg", "webp", "webp-lossless", "pdf"]

def presets() -> list[dict[str, Any]]:
    """The built-in output sizes: [{"name", "width", "height", "description"}, ...]."""

@final
class Poster:
    """One rendered poster."""

    @property
    def data(self) -> bytes:
        """The file's bytes."""
    @property
    def format(self) -> str:
        """"png", "jpeg", "webp", "webp-lossless" or "pdf"."""
    @property
    def width(self) -> int:
        """Width in pixels (a PDF's at 300 dpi)."""
    @property
    def height(self) -> int:
        """Height in pixels (a PDF's at 300 dpi)."""
    @property
    def report(self) -> dict[str, Any]:
        """The report entry: "texts" (each with "field", "size", "lines", ...), "warnings",
        "variant", "alt", ..."""

@final
class Template:
    """A template loaded once with its fonts, rendering posters in memory from any thread."""

    @staticmethod
    def load(
        path: _Path,
        fonts: Union[None, _Path, Sequence[_Path]] = None,
        *,
        fields: Optional[Mapping[str, str]] = None,
        overflow: _Overflow = "error",
        format: _Format = "png",
        quality: int = 90,
        system_fonts: bool = False,
    ) -> Template:
        """A template folder or SVG file. `fonts`: a font folder or a list of them (default:
        `fonts` in the working directory), plus the template's own `fonts/` folder.
        `fields`: field -> "{column}" pattern filling a field from other values. Raises
        AfficheError."""
    @staticmethod
    def from_campaign(path: _Path) -> Template:
        """A campaign file's template, fonts, [fields] patterns and settings; photo file names
        in rows are read from its photos folder. Raises AfficheError."""
    @property
    def fields(self) -> list[dict[str, Any]]:
        """What the template binds: [{"name", "kind": "text" | "photo" | "placeholder",
        "variants"}, ...]."""
    @property
    def name(self) -> str:
        """The template's folder name or SVG file stem."""
    def render(
        self,
        values: Mapping[str, Any],
        photo: Optional[_Bytes] = None,
        *,
        photos: Optional[Mapping[str, _Bytes]] = None,
        preset: Optional[str] = None,
        format: Optional[_Format] = None,
    ) -> bytes:
        """One poster's file bytes. `photo` fills the template's only photo field, `photos`
        any of them by name. Raises RenderError (field named) or AfficheError."""
    def poster(
        self,
        values: Mapping[str, Any],
        photo: Optional[_Bytes] = None,
        *,
        photos: Optional[Mapping[str, _Bytes]] = None,
        preset: Optional[str] = None,
        format: Optional[_Format] = None,
    ) -> Poster:
        """As render(), with the poster's format, size and report."""
    @overload
    def render_many(
        self,
        rows: Union[Iterable[Mapping[str, Any]], Any],
        *,
        preset: Optional[str] = None,
        format: Optional[_Format] = None,
        photos_dir: Optional[_Path] = None,
        jobs: int = 0,
        errors: Literal["raise"] = "raise",
    ) -> list[bytes]:
        """Posters' bytes in the rows' order, rendered in parallel on `jobs` threads (0: one
        per core). `rows`: mappings, or a DataFrame. A photo field's cell is bytes or a file
        name inside `photos_dir`. Raises the first failing row's RenderError once every row
        is rendered."""
    @overload
    def render_many(
        self,
        rows: Union[Iterable[Mapping[str, Any]], Any],
        *,
        preset: Optional[str] = None,
        format: Optional[_Format] = None,
        photos_dir: Optional[_Path] = None,
        jobs: int = 0,
        errors: Literal["collect"],
    ) -> list[Union[bytes, RenderError]]:
        """As above, each failing row's RenderError in its place in the list."""
