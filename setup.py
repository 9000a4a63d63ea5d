from setuptools import find_packages, setup

with open("README.md", encoding="utf-8") as fh:
    long_description = fh.read()

setup(
    name="migrator",
    version="0.1.0",
    description="Move WordPress comment sections intact: rebuild reply trees, merge "
                "duplicates, anonymise, and write SQLite, JSON, WXR, HTML or a new site's REST API.",
    long_description=long_description,
    long_description_content_type="text/markdown",
    packages=find_packages(include=["migrator", "migrator.*"]),
    package_data={"migrator": ["schema/*.json", "templates/*"]},
    python_requires=">=3.9",
    install_requires=[
        "lxml>=4.9",
        "python-dateutil>=2.8",
        "requests>=2.28",
        "SQLAlchemy>=2.0",
        "click>=8.1",
        "nh3>=0.2.14",
        "Jinja2>=3.1",
        # --anonymise: given names (US Census first-name lists; MIT, data public domain)
        # and nickname links (Apache-2.0), both small data packages.
        "names>=0.3",
        "nicknames>=1.0",
        # Common words of 58 languages (stopwords-iso, MIT): 'Спасибо,' opening a line is
        # no name. Latin spellings of Cyrillic and Greek names (anyascii, ISC). Both small.
        "stopwordsiso>=0.6",
        "anyascii>=0.3",
    ],
    extras_require={
        "postgres": ["psycopg[binary]>=3.1"],
        "test": ["pytest>=7", "hypothesis>=6.80", "jsonschema>=4.17", "psycopg[binary]>=3.1", "isso>=0.13",
                 "websocket-client>=1.6"],
    },
    entry_points={"console_scripts": ["migrator=migrator.cli:main"]},
)
