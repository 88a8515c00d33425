"""Pages: the clip page's stats panel (totals, chart, states, its own refresh), the stats cell
of each publication, and the clip list's total views."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from platforms.models import ConnectionStatus
from publishing.models import PublicationStatus
from tests.factories import (
    ClipFactory,
    PublicationFactory,
    StatsSnapshotFactory,
    StatsTrackFactory,
)
from tests.pages.conftest import (  # noqa: F401 - fixtures
    _private_cache,
    client_in,
    clip,
    connected,
    other_clip,
    user,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)  # 12:00 in Moscow


def published(clip, platform, connection, *, figures=(0, 0, 0, 0), checked=T0, **track):  # noqa: F811
    views, likes, comments, shares = figures
    pub = PublicationFactory(
        clip=clip,
        platform=platform,
        status=PublicationStatus.PUBLISHED,
        published_at=T0 - timedelta(days=1),
        views=views,
        likes=likes,
        comments=comments,
        shares=shares,
        stats_updated_at=checked,
    )
    StatsTrackFactory(publication=pub, connection=connection, checked_at=checked, **track)
    return pub


def panel(body: str) -> str:
    start = body.index('id="clip-stats"')
    return body[start : body.index("</section>", start)]


def row(body: str, publication) -> str:
    start = body.index(f'data-publication-id="{publication.pk}"')
    return body[start : body.index("</tr>", start)]


def test_totals_add_up_every_platform_with_stats(client_in, clip, connected):  # noqa: F811
    published(clip, "vk", connected["vk"], figures=(1200, 40, 5, 2))
    published(clip, "rutube", connected["rutube"], figures=(300, 10, 1, 0))
    published(
        clip, "dzen", connected["dzen"], figures=(45, 3, 0, 1), checked=T0 + timedelta(hours=2)
    )
    PublicationFactory(clip=clip, platform="telegram", status=PublicationStatus.PUBLISHED)

    body = panel(client_in.get(f"/clips/{clip.pk}/").content.decode())

    assert '<dd data-total="views">1\u00a0545</dd>' in body
    assert '<dd data-total="likes">53</dd>' in body
    assert '<dd data-total="comments">6</dd>' in body
    assert '<dd data-total="shares">3</dd>' in body
    assert "Обновлено 01.03.2030 14:00" in body  # the latest confirmation, in Moscow time
    assert "<strong>Telegram</strong>: статистика недоступна" in body


def test_chart_draws_a_line_per_platform_with_axes(client_in, clip, connected):  # noqa: F811
    vk = published(clip, "vk", connected["vk"], figures=(400, 0, 0, 0), checked=T0)
    StatsSnapshotFactory(publication=vk, collected_at=T0 - timedelta(hours=12), views=150)
    StatsSnapshotFactory(publication=vk, collected_at=T0, views=400)
    dzen = published(clip, "dzen", connected["dzen"], figures=(90, 0, 0, 0), checked=T0)
    StatsSnapshotFactory(publication=dzen, collected_at=T0, views=90)

    body = panel(client_in.get(f"/clips/{clip.pk}/").content.decode())

    assert '<figure class="stats-chart" role="img" aria-label="Просмотры по платформам' in body
    assert 'data-platform="vk" points="0,300 500,187.5 1000,0"' in body
    assert 'data-platform="dzen" points="0,300 1000,232.5"' in body
    for label in ("0", "100", "200", "300", "400"):
        assert f">{label}</span>" in body  # y axis
    assert ">00:00<br>01.03</span>" in body  # x axis: a time, with the date when it changes
    assert 'stats-line-vk"></i>VK</span>' in body  # legend


def test_a_gone_video_says_so_in_its_row_and_the_panel(client_in, clip, connected):  # noqa: F811
    pub = published(clip, "vk", connected["vk"], figures=(70, 1, 0, 0), gone_at=T0)

    body = client_in.get(f"/clips/{clip.pk}/").content.decode()

    assert "Видео удалено или скрыто на платформе" in row(body, pub)
    assert "Видео удалено или скрыто на платформе" in panel(body)
    assert "последние данные на 01.03 12:00: просмотры 70" in panel(body)
    assert 'data-poll="false"' in panel(body)  # nothing left to refresh


def test_an_inactive_connection_asks_to_reconnect(client_in, clip, connected):  # noqa: F811
    conn = connected["rutube"]
    conn.status = ConnectionStatus.EXPIRED
    conn.save()
    pub = published(clip, "rutube", conn, figures=(9, 0, 0, 0))

    body = client_in.get(f"/clips/{clip.pk}/").content.decode()

    assert "Статистика недоступна: переподключите платформу" in row(body, pub)
    assert 'href="/settings/platforms/"' in panel(body)


def test_a_new_publication_says_when_figures_will_come(client_in, clip, connected):  # noqa: F811
    pub = PublicationFactory(clip=clip, platform="vk", status=PublicationStatus.PUBLISHED)

    body = client_in.get(f"/clips/{clip.pk}/").content.decode()

    assert "Появится в течение нескольких минут" in row(body, pub)
    assert "Первые цифры появятся в течение нескольких минут" in panel(body)
    assert f'hx-get="/clips/{clip.pk}/stats/" hx-trigger="every 30s"' in panel(body)


def test_no_panel_before_anything_is_published(client_in, clip):  # noqa: F811
    PublicationFactory(clip=clip, platform="vk", status=PublicationStatus.QUEUED)
    assert 'id="clip-stats"' not in client_in.get(f"/clips/{clip.pk}/").content.decode()


def test_the_panel_refreshes_itself_with_fresh_figures(client_in, clip, connected):  # noqa: F811
    pub = published(clip, "vk", connected["vk"], figures=(10, 0, 0, 0))
    url = f"/clips/{clip.pk}/stats/"
    assert '<dd data-total="views">10</dd>' in client_in.get(url).content.decode()
    type(pub).objects.filter(pk=pub.pk).update(views=25)

    body = client_in.get(url).content.decode()

    assert body.lstrip().startswith('<section class="card stats-panel" id="clip-stats"')
    assert '<dd data-total="views">25</dd>' in body


def test_the_panel_of_another_users_clip_is_404(client_in, other_clip):  # noqa: F811
    PublicationFactory(clip=other_clip, platform="vk", status=PublicationStatus.PUBLISHED)
    assert client_in.get(f"/clips/{other_clip.pk}/stats/").status_code == 404


def test_the_panel_costs_the_same_queries_however_long_the_history(client_in, user, connected):  # noqa: F811
    small, large = ClipFactory(owner=user), ClipFactory(owner=user)
    for clip_, points in ((small, 2), (large, 40)):
        for platform in ("vk", "dzen"):
            pub = published(clip_, platform, connected[platform], figures=(5, 0, 0, 0))
            for i in range(points):
                StatsSnapshotFactory(publication=pub, collected_at=T0 - timedelta(hours=i))

    def count(clip_) -> int:
        with CaptureQueriesContext(db) as ctx:
            assert client_in.get(f"/clips/{clip_.pk}/stats/").status_code == 200
        return len(ctx.captured_queries)

    assert count(small) == count(large)


def test_clip_list_shows_total_views_across_platforms(client_in, user, connected):  # noqa: F811
    seen = ClipFactory(owner=user, title="С просмотрами")
    published(seen, "vk", connected["vk"], figures=(1000, 0, 0, 0))
    published(seen, "dzen", connected["dzen"], figures=(234, 0, 0, 0))
    unseen = ClipFactory(owner=user, title="Без публикаций")

    body = client_in.get("/clips/").content.decode()

    seen_row = body[body.index(f'data-clip-id="{seen.pk}"') :]
    assert 'data-total-views="1234">1\u00a0234</span>' in seen_row[: seen_row.index("</tr>")]
    unseen_row = body[body.index(f'data-clip-id="{unseen.pk}"') :]
    assert '<span class="muted">—</span>' in unseen_row[: unseen_row.index("</tr>")]
    assert "<th>Просмотры</th>" in body
