# Dates, numbers and the week are written the same way in every interface language.
from config.formats.ru.formats import *  # noqa: F403
