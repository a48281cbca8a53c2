"""Pin the model catalogue: each entry's revision to a commit, each file's size and SHA-256, from the hub.

    python packaging/pin_catalogue.py [--only NAME] [--catalogue core/models/runtime/catalogue.json]

Run it on a machine with internet (or with HF_ENDPOINT pointing at a mirror) before a release; it
rewrites the catalogue in place. Entries already pinned are left as they are unless named with
--only. The downloader refuses any file whose size or SHA-256 differs from these pins.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from core.models.runtime.catalogue import CATALOGUE_FILE, CatalogueEntry
from core.models.runtime.download import pin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalogue", type=Path, default=CATALOGUE_FILE)
    parser.add_argument("--only", metavar="NAME", help="pin (again) this entry only")
    args = parser.parse_args()
    data = json.loads(args.catalogue.read_text(encoding="utf-8"))
    for row in data["models"]:
        entry = CatalogueEntry.from_dict(row)
        if (args.only and entry.name != args.only) or (not args.only and entry.pinned):
            continue
        row.update(pin(entry))
        size = sum(f["bytes"] for f in row["files"].values()) / 1e6
        print(f"{entry.name}: {row['revision']}, {size:.0f} MB")
    args.catalogue.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
