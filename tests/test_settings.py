import datetime
import zoneinfo

from django.conf import settings
from django.utils import timezone


def test_time_zone_is_almaty_at_utc_plus_five_since_march_2024():
    # A stale tz database would still say +06:00.
    assert settings.TIME_ZONE == "Asia/Almaty"
    moment = datetime.datetime(2025, 6, 1, 12, 0, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    assert moment.utcoffset() == datetime.timedelta(hours=5)
    assert timezone.get_default_timezone_name() == "Asia/Almaty"


def test_languages_are_russian_by_default_with_kazakh_and_english():
    assert settings.LANGUAGE_CODE == "ru"
    assert [code for code, _name in settings.LANGUAGES] == ["ru", "kk", "en"]
