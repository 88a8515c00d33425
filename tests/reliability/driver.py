"""What the chaos suite asks of the product from inside it: ``python -m tests.reliability.driver``
run with the stack's environment (its database, Redis, media and secrets).

* ``seed USERS CLIPS`` — USERS users on the Pro plan, each connected to the sandbox with the
  demo user's six places and CLIPS ready clips (one tiny real MP4, probed once and shared);
  prints JSON ``{"users": [{"id", "username", "password", "clips", "destinations"}]}``.
* ``publish`` — reads ``[{"user", "clip", "destination", "title", "delay", "vk_mode"}]`` on stdin and
  publishes each through ``publication_create`` (``delay`` seconds ahead: scheduled); prints the
  new publications' ids in order.
* ``rates`` — each platform's shared rate limits (per account, per place) from its adapter.
* ``tokens`` — prints every platform token the database holds, in plain text (the suite then
  looks for them where they must never be).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clipmaker.settings")
    import django

    django.setup()


def seed(users: int, clips: int) -> dict[str, object]:
    from clipmaker.accounts.models import Plan, User
    from clipmaker.clips.demo import make_tiny_video
    from clipmaker.clips.models import Clip
    from clipmaker.clips.services import clip_import_path
    from platforms.models import Destination
    from platforms.sandbox.demo import connect_demo_user

    out = []
    base: Clip | None = None
    for index in range(users):
        user = User.objects.create(username=f"chaos{index}", plan=Plan.PRO)
        password = f"chaos-{index}-Secret!"
        user.set_password(password)
        user.save()
        connect_demo_user(user)
        owned = []
        for number in range(clips):
            if base is None:
                with tempfile.TemporaryDirectory() as tmp:
                    path = Path(tmp) / "chaos.mp4"
                    path.write_bytes(make_tiny_video(seconds=2.0, audio=True))
                    base = clip_import_path(owner=user, path=path, title="Хаос 0")
                assert base.status == "ready", base.status_message
                clip = base
            else:
                clip = Clip.objects.get(pk=base.pk)
                clip.pk = None
                clip.id = None
                clip.owner = user
                clip.title = f"Хаос {number}"
                clip.save()
            owned.append(clip.pk)
        destinations = [
            {"id": d.pk, "platform": d.platform, "connection": str(d.connection_id)}
            for d in Destination.objects.filter(connection__user=user).select_related("connection")
        ]
        out.append(
            {
                "id": user.pk,
                "username": user.username,
                "password": password,
                "clips": owned,
                "destinations": destinations,
            }
        )
    return {"users": out}


def publish(items: list[dict[str, object]]) -> list[int]:
    from django.utils import timezone

    from clipmaker.accounts.models import User
    from clipmaker.clips.models import Clip
    from publishing.services import publication_create

    users = {u.pk: u for u in User.objects.filter(pk__in={i["user"] for i in items})}
    clips = {c.pk: c for c in Clip.objects.filter(pk__in={i["clip"] for i in items})}
    ids = []
    for item in items:
        delay = float(item.get("delay") or 0)  # type: ignore[arg-type]
        created = publication_create(
            user=users[item["user"]],  # type: ignore[index]
            clip=clips[item["clip"]],  # type: ignore[index]
            destinations=[item["destination"]],
            title=str(item["title"]),
            scheduled_at=timezone.now() + timedelta(seconds=delay) if delay else None,
            vk_mode=item.get("vk_mode"),  # type: ignore[arg-type]
        )
        ids.extend(p.pk for p in created)
    return ids


def tokens() -> list[str]:
    from platforms.models import PlatformConnection

    found = []
    for connection in PlatformConnection.objects.all():
        for field in ("access_token", "refresh_token"):
            value = connection.get_token(field)
            if value:
                found.append(value)
    return found


def rates() -> dict[str, dict[str, list[float] | None]]:
    from platforms.providers import platform_values, provider_class

    out: dict[str, dict[str, list[float] | None]] = {}
    for platform in platform_values():
        cls = provider_class(platform)
        place = getattr(cls, "destination_rate", None)
        out[str(platform)] = {
            "account": [cls.account_rate.per_second, cls.account_rate.burst],
            "place": [place.per_second, place.burst] if place else None,
        }
    return out


def main(argv: list[str]) -> None:
    _setup()
    command = argv[0]
    if command == "seed":
        print(json.dumps(seed(int(argv[1]), int(argv[2]))))
    elif command == "publish":
        print(json.dumps(publish(json.load(sys.stdin))))
    elif command == "rates":
        print(json.dumps(rates()))
    elif command == "tokens":
        print(json.dumps(tokens()))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])
