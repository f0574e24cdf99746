"""Model bundles in S3: versioned bundle folders, live pointers, and a verified local cache."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from edgerec.bundle import (
    MANIFEST,
    SERVING_FILES,
    Bundle,
    Manifest,
    check_sha256,
    file_sha256,
    read_bundle,
    read_manifest,
    verify_files,
)
from edgerec.errors import BundleError, StoreUnavailableError
from edgerec.stores.clients import s3_client

LIVE_PREFIX = "live/"
BUNDLES_PREFIX = "bundles/"
_MISSING = {"404", "NoSuchKey", "NotFound"}
LAST_SERVED = "last-served.json"  # in cache_dir/<catalog>/: the version last loaded
_CHUNK = 1 << 20


def bundle_key(catalog: str, model_version: str, name: str) -> str:
    """The S3 key of one bundle file: `bundles/<catalog>/<model_version>/<name>`."""
    return f"{BUNDLES_PREFIX}{catalog}/{model_version}/{name}"


def live_pointer_key(catalog: str) -> str:
    """The S3 key of a catalog's live pointer: `live/<catalog>.json`."""
    return f"{LIVE_PREFIX}{catalog}.json"


@dataclass(frozen=True)
class LivePointer:
    """Which model version of a catalog is served, and since when."""

    catalog: str
    model_version: str
    published_at: str

    def to_json(self) -> str:
        """The pointer object's body."""
        return json.dumps(
            {
                "catalog": self.catalog,
                "model_version": self.model_version,
                "published_at": self.published_at,
            }
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> LivePointer:
        """Parse a pointer body; raises BundleError when it is malformed."""
        try:
            body = json.loads(text)
            return cls(
                catalog=str(body["catalog"]),
                model_version=str(body["model_version"]),
                published_at=str(body["published_at"]),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise BundleError(f"live pointer is malformed: {e!r}") from e


class S3BundleStore:
    """Reads and writes the bundles and live pointers of one bucket."""

    def __init__(self, bucket: str, client: Any | None = None) -> None:
        self.bucket = bucket
        self._s3 = client if client is not None else s3_client()

    # Read side: what a serving process needs.

    def live_catalogs(self) -> list[str]:
        """Names of the catalogs that have a live pointer, sorted."""
        names: list[str] = []
        for key in self._keys(LIVE_PREFIX):
            name = key.removeprefix(LIVE_PREFIX).removesuffix(".json")
            if key.endswith(".json") and name and "/" not in name:
                names.append(name)
        return sorted(names)

    def read_live_pointer(self, catalog: str) -> LivePointer:
        """The live pointer of `catalog`; raises BundleError when it has none."""
        key = live_pointer_key(catalog)
        with self._translated(f"read s3://{self.bucket}/{key}"):
            body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        pointer = LivePointer.from_json(body)
        if pointer.catalog != catalog:
            raise BundleError(f"{key} points at catalog {pointer.catalog!r}, not {catalog!r}")
        return pointer

    def published_versions(self, catalog: str) -> list[str]:
        """Model versions of `catalog` whose manifest is in the bucket, oldest first.

        Versions are named `<UTC timestamp>-<suffix>`, so their sorted order is their age.
        """
        prefix = f"{BUNDLES_PREFIX}{catalog}/"
        versions: list[str] = []
        for key in self._keys(prefix):
            version, _, name = key.removeprefix(prefix).partition("/")
            if name == MANIFEST:
                versions.append(version)
        return sorted(versions)

    def _keys(self, prefix: str) -> Iterator[str]:
        """Every key under `prefix`, page after page.

        ListObjectsV2 called page by page rather than through botocore's paginator: loading
        the paginator model lists every service botocore knows (hundreds of folders), on
        every cold start's path.
        """
        request = {"Bucket": self.bucket, "Prefix": prefix}
        while True:
            with self._translated(f"list s3://{self.bucket}/{prefix}"):
                page = self._s3.list_objects_v2(**request)
            for entry in page.get("Contents", []):
                yield str(entry["Key"])
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return
            request["ContinuationToken"] = token

    def live_pointers(self) -> dict[str, LivePointer]:
        """Every catalog's live pointer, by catalog name."""
        return {name: self.read_live_pointer(name) for name in self.live_catalogs()}

    def load_bundle(self, catalog: str, model_version: str, cache_dir: Path) -> Bundle:
        """Download (or reuse) the serving files of a version, then load and verify them.

        The version is then recorded as the catalog's last served one in `cache_dir`, for
        `cached_bundles` to fall back on when S3 cannot be reached.
        """
        directory = self.download_bundle(catalog, model_version, cache_dir)
        bundle = read_bundle(directory, verified=True)  # download_bundle verified every file
        _write_atomically(
            cache_dir / catalog / LAST_SERVED, json.dumps({"model_version": model_version})
        )
        return bundle

    def cached_bundles(self, cache_dir: Path) -> dict[str, Bundle]:
        """The bundle each catalog last served from `cache_dir`, verified; no S3 call.

        A catalog whose cached copy is missing or fails its checksums is left out.
        """
        bundles: dict[str, Bundle] = {}
        for record in sorted(cache_dir.glob(f"*/{LAST_SERVED}")):
            catalog = record.parent.name
            try:
                version = str(json.loads(record.read_text(encoding="utf-8"))["model_version"])
                bundles[catalog] = read_bundle(record.parent / version)
            except (OSError, ValueError, KeyError, TypeError, BundleError):
                continue
        return bundles

    def download_bundle(self, catalog: str, model_version: str, cache_dir: Path) -> Path:
        """Make `cache_dir/<catalog>/<model_version>/` hold verified serving files and manifest.

        A complete, verified cached copy is reused as is. Each file is written under a temporary
        name and renamed only once its checksum matches, so a half-written or corrupt file never
        carries a real name.

        Returns:
            The folder, ready for `edgerec.bundle.read_bundle`.

        Raises:
            BundleError: a file is missing or fails its checksum.
            StoreUnavailableError: S3 did not answer.
        """
        directory = cache_dir / catalog / model_version
        if _holds_verified_serving_files(directory):
            return directory
        directory.mkdir(parents=True, exist_ok=True)
        self._download(bundle_key(catalog, model_version, MANIFEST), directory / MANIFEST, None)
        manifest = read_manifest(directory)
        if (manifest.catalog, manifest.model_version) != (catalog, model_version):
            raise BundleError(
                f"manifest under {catalog}/{model_version} describes "
                f"{manifest.catalog}/{manifest.model_version}"
            )
        wanted: list[tuple[str, Path, str]] = []
        for name in SERVING_FILES:
            entry = manifest.files.get(name)
            if entry is None:
                raise BundleError(f"manifest of {model_version} does not list {name}")
            target = directory / name
            if target.is_file() and file_sha256(target) == entry.sha256:
                continue
            wanted.append((bundle_key(catalog, model_version, name), target, entry.sha256))
        # Concurrently: each download mostly waits on the network, and hashlib and file
        # writes release the GIL, so the files arrive in about the time of the largest one.
        with ThreadPoolExecutor(max_workers=max(1, len(wanted))) as pool:
            for done in [pool.submit(self._download, *args) for args in wanted]:
                done.result()
        return directory

    # Write side: what publishing needs.

    def upload_bundle(self, bundle_dir: Path) -> Manifest:
        """Upload every file the manifest lists, then the manifest, under `bundles/...`.

        The local files are verified first, so a corrupt bundle is never published.

        Raises:
            BundleError: the folder's files do not match its manifest.
            StoreUnavailableError: S3 did not answer.
        """
        manifest = read_manifest(bundle_dir)
        missing = [name for name in SERVING_FILES if name not in manifest.files]
        if missing:
            raise BundleError(f"manifest of {manifest.model_version} lacks {', '.join(missing)}")
        verify_files(bundle_dir, manifest, manifest.files)
        for name in [*sorted(manifest.files), MANIFEST]:
            key = bundle_key(manifest.catalog, manifest.model_version, name)
            with (
                self._translated(f"upload s3://{self.bucket}/{key}"),
                (bundle_dir / name).open("rb") as body,
            ):
                self._s3.put_object(Bucket=self.bucket, Key=key, Body=body)
        return manifest

    def write_live_pointer(
        self, catalog: str, model_version: str, published_at: datetime | None = None
    ) -> LivePointer:
        """Point `live/<catalog>.json` at a version whose manifest is already in the bucket."""
        manifest_key = bundle_key(catalog, model_version, MANIFEST)
        with self._translated(f"check s3://{self.bucket}/{manifest_key}"):
            self._s3.head_object(Bucket=self.bucket, Key=manifest_key)
        moment = (published_at or datetime.now(UTC)).astimezone(UTC)
        pointer = LivePointer(catalog, model_version, moment.isoformat(timespec="seconds"))
        key = live_pointer_key(catalog)
        with self._translated(f"write s3://{self.bucket}/{key}"):
            self._s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=pointer.to_json().encode("utf-8"),
                ContentType="application/json",
            )
        return pointer

    def _download(self, key: str, target: Path, sha256: str | None) -> None:
        """Stream one object to a temporary file beside `target`, check it, then rename it."""
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as out, self._translated(f"read s3://{self.bucket}/{key}"):
                body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"]
                for chunk in body.iter_chunks(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            if sha256 is not None:
                check_sha256(f"s3://{self.bucket}/{key}", digest.hexdigest(), sha256)
            os.replace(temporary, target)
        finally:
            Path(temporary).unlink(missing_ok=True)

    @contextmanager
    def _translated(self, action: str) -> Iterator[None]:
        """Turn boto errors into domain errors: missing objects into BundleError, the rest
        into StoreUnavailableError."""
        try:
            yield
        except ClientError as e:
            code = str(e.response.get("Error", {}).get("Code", ""))
            if code in _MISSING:
                raise BundleError(f"cannot {action}: it does not exist") from e
            raise StoreUnavailableError(f"cannot {action}: S3 answered {code}") from e
        except BotoCoreError as e:
            raise StoreUnavailableError(f"cannot {action}: {type(e).__name__}") from e


def _write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file, so a reader never sees half of it."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _holds_verified_serving_files(directory: Path) -> bool:
    """Whether `directory` already holds a manifest and serving files that match it."""
    try:
        verify_files(directory, read_manifest(directory), SERVING_FILES)
    except BundleError:
        return False
    return True
