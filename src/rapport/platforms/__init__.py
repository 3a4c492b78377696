"""How each platform's own records read: shared by its importer (archive files) and its
connector (the live API), so an archive and a pull of the same account give the same rows.

- :mod:`rapport.platforms.mastodon`: statuses, activities, accounts and their fields;
- :mod:`rapport.platforms.bluesky`: AT Protocol records (posts, likes, reposts, follows);
- :mod:`rapport.platforms.links`: links to people and posts, built from canonical ids.
"""
