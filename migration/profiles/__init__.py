"""Policy profiles: versioned data files with a source for every date, and their loader."""

from migration.profiles.loader import (
    ProfileError,
    UnknownProfile,
    builtin_profiles,
    get_profile,
    load_profile_file,
    load_profile_text,
    parse_profile,
    profile_to_dict,
)
from migration.profiles.schema import Deadline, Phase, Profile, SourceRef

__all__ = [
    "Deadline",
    "Phase",
    "Profile",
    "ProfileError",
    "SourceRef",
    "UnknownProfile",
    "builtin_profiles",
    "get_profile",
    "load_profile_file",
    "load_profile_text",
    "parse_profile",
    "profile_to_dict",
]
