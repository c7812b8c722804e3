"""What hassfest and the HACS action would check, run here on our own files.

Neither hassfest nor the HACS action can run in this environment, so this
module re-implements the checks that apply to this integration (manifest,
JSON, requirements, dependencies, services, translations, icons, hacs.json,
brand images, CONFIG_SCHEMA), plus a scan for the Home Assistant APIs that
are removed or changed between 2025.4 and 2026.11 (``ha-compat.md``), which
our test matrix (2025.4.4, 2026.2.3) would not catch. The scan proves itself
on snippets, so it cannot pass silently.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
import importlib.metadata
import io
import json
from pathlib import Path
import re
import tokenize
from typing import Any

from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
import homeassistant
from homeassistant.helpers.selector import validate_selector
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from PIL import Image
import pytest
import voluptuous as vol
import yaml  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = "integration_reliability"
INTEGRATION = ROOT / "custom_components" / DOMAIN
HA_COMPONENTS = Path(homeassistant.__file__).parent / "components"

MANIFEST_KEYS = {
    "domain",
    "name",
    "after_dependencies",
    "bluetooth",
    "codeowners",
    "config_flow",
    "dependencies",
    "dhcp",
    "disabled",
    "documentation",
    "homekit",
    "import_executor",
    "integration_type",
    "iot_class",
    "issue_tracker",
    "loggers",
    "mqtt",
    "preview_features",
    "quality_scale",
    "requirements",
    "single_config_entry",
    "ssdp",
    "usb",
    "version",
    "zeroconf",
}
IOT_CLASSES = {
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
}
INTEGRATION_TYPES = {"device", "entity", "hardware", "helper", "hub", "service", "system"}
HACS_KEYS = {
    "name",
    "content_in_root",
    "country",
    "filename",
    "hacs",
    "hide_default_branch",
    "homeassistant",
    "persistent_directory",
    "render_readme",
    "zip_release",
}
# hassfest's dependencies.ALLOWED_USED_COMPONENTS (internal integrations may be
# imported without being listed), without the entity platforms added below.
ALLOWED_USED_COMPONENTS = {
    "alert",
    "automation",
    "conversation",
    "default_config",
    "device_automation",
    "frontend",
    "group",
    "homeassistant",
    "input_boolean",
    "input_button",
    "input_datetime",
    "input_number",
    "input_select",
    "input_text",
    "media_source",
    "onboarding",
    "panel_custom",
    "persistent_notification",
    "person",
    "script",
    "shopping_list",
    "sun",
    "system_health",
    "system_log",
    "timer",
    "webhook",
    "websocket_api",
    "zone",
    "mjpeg",
    "stream",
}
TRANSLATION_SECTIONS = {
    "title",
    "common",
    "config",
    "config_panel",
    "config_subentries",
    "conversation",
    "device",
    "device_automation",
    "entity",
    "entity_component",
    "exceptions",
    "issues",
    "options",
    "preview_features",
    "selector",
    "services",
    "state",
    "system_health",
}
# hassfest translations.py
RE_TRANSLATION_KEY = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")
RE_PLACEHOLDER_IN_SINGLE_QUOTES = re.compile(r"'{\w+}'")
RE_COMBINED_REFERENCE = re.compile(r"(.+\[%)|(%\].+)")
RE_HTML = re.compile(r"<[a-z!/][^>]*>", re.IGNORECASE)
SERVICE_REGISTRATION = {
    "async_register",
    "async_register_admin_service",
    "async_register_entity_service",
    "async_register_platform_entity_service",
}


def load_json(path: Path) -> Any:
    """Read a JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))


def python_files() -> list[Path]:
    """Every Python file of the integration."""
    return sorted(INTEGRATION.rglob("*.py"))


def rel(path: Path) -> str:
    """Path relative to the repository, for messages."""
    return str(path.relative_to(ROOT))


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    """The integration manifest."""
    data: dict[str, Any] = load_json(INTEGRATION / "manifest.json")
    return data


@pytest.fixture(scope="module")
def translations() -> dict[str, Any]:
    """translations/en.json (required: custom integrations ship full English text)."""
    path = INTEGRATION / "translations" / "en.json"
    assert path.is_file(), "translations/en.json is missing"
    data: dict[str, Any] = load_json(path)
    return data


# --------------------------------------------------------------------------- manifest


def test_manifest_key_order(manifest: dict[str, Any]) -> None:
    """hassfest: keys sorted as domain, name, then alphabetical."""
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"], keys
    assert keys[2:] == sorted(keys[2:]), (
        "Manifest keys are not sorted correctly: domain, name, then alphabetical order"
    )


def test_manifest_known_keys(manifest: dict[str, Any]) -> None:
    """hassfest's custom-integration schema has no extra keys (hacs.json keys don't belong)."""
    assert set(manifest) <= MANIFEST_KEYS, set(manifest) - MANIFEST_KEYS


def test_manifest_required_values(manifest: dict[str, Any]) -> None:
    """hassfest and HACS required keys and their formats."""
    assert manifest["domain"] == INTEGRATION.name
    assert isinstance(manifest["name"], str)
    assert manifest["name"].strip()
    version = AwesomeVersion(manifest["version"])
    assert version.strategy != AwesomeVersionStrategy.UNKNOWN, manifest["version"]
    docs = manifest["documentation"]
    assert docs.startswith("https://"), docs
    assert not docs.startswith("https://www.home-assistant.io/integrations"), docs
    assert re.fullmatch(r"https://\S+", manifest["issue_tracker"]), manifest["issue_tracker"]
    owners = manifest["codeowners"]
    assert isinstance(owners, list)
    assert owners, "at least one code owner"
    assert all(re.fullmatch(r"@[A-Za-z0-9][\w.-]*(/[\w.-]+)?", o) for o in owners), owners
    assert manifest["iot_class"] in IOT_CLASSES
    assert manifest.get("integration_type", "hub") in INTEGRATION_TYPES
    assert manifest.get("single_config_entry") is True


def test_manifest_config_flow_file(manifest: dict[str, Any]) -> None:
    """config_flow: true needs a config_flow.py file (a package fails hassfest)."""
    assert manifest.get("config_flow") is True
    assert (INTEGRATION / "config_flow.py").is_file()
    assert not (INTEGRATION / "config_flow").is_dir()


@pytest.mark.parametrize(
    "path", sorted(INTEGRATION.rglob("*.json")), ids=lambda p: str(p.relative_to(INTEGRATION))
)
def test_json_files_are_valid(path: Path) -> None:
    """hassfest json plugin: every *.json of the integration parses."""
    json.loads(path.read_text(encoding="utf-8"))


# ----------------------------------------------------------------------- requirements


def core_pins() -> dict[str, Requirement]:
    """Packages Home Assistant itself ships, with the version it pins."""
    pins: dict[str, Requirement] = {}
    constraints = Path(homeassistant.__file__).parent / "package_constraints.txt"
    lines = constraints.read_text().splitlines()
    lines += importlib.metadata.requires("homeassistant") or []
    for line in lines:
        text = line.split("#", 1)[0].strip()
        if not text or text.startswith("-"):
            continue
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            pins.setdefault(canonicalize_name(req.name), req)
    return pins


def requirement_problems(requirements: list[str], pins: dict[str, Requirement]) -> list[str]:
    """Why these manifest requirements would conflict with Home Assistant's own."""
    problems = []
    for text in requirements:
        if " " in text:
            problems.append(f"{text!r}: no spaces allowed")
            continue
        req = Requirement(text)
        core = pins.get(canonicalize_name(req.name))
        if core is None:
            continue
        core_versions = [s.version for s in core.specifier if s.operator in {"==", "==="}]
        if any(s.operator in {"==", "==="} for s in req.specifier):
            problems.append(f"{text!r}: Home Assistant ships {core}; never pin it")
        elif any(not req.specifier.contains(v, prereleases=True) for v in core_versions):
            problems.append(f"{text!r}: excludes the {core} that Home Assistant ships")
    return problems


def test_requirement_check_catches_core_pins() -> None:
    """The requirements check itself flags a pinned SQLAlchemy."""
    pins = core_pins()
    assert "sqlalchemy" in pins
    assert requirement_problems(["SQLAlchemy==1.4.0"], pins)
    assert requirement_problems(["sqlalchemy==" + str(pins["sqlalchemy"].specifier)[2:]], pins)
    assert requirement_problems(["SQLAlchemy<2"], pins)
    assert not requirement_problems(["SQLAlchemy>=2.0,<3"], pins)
    assert not requirement_problems(["some-unknown-package==1.0"], pins)


def test_requirements_do_not_pin_core_packages(manifest: dict[str, Any]) -> None:
    """Requirements must not pin what Home Assistant ships (e.g. SQLAlchemy)."""
    assert requirement_problems(manifest.get("requirements", []), core_pins()) == []


# ----------------------------------------------------------------------- dependencies


def referenced_components(tree: ast.Module) -> set[str]:
    """Integrations imported from homeassistant.components (hassfest ImportCollector)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Name)
            and node.test.id == "TYPE_CHECKING"
        ):
            for stmt in node.orelse:
                visit(stmt)
            return
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "homeassistant.components.http.auth" and [
                n.name for n in node.names
            ] == ["async_sign_path"]:
                return
            if node.module.startswith("homeassistant.components."):
                found.add(node.module.split(".")[2])
            elif node.module == "homeassistant.components":
                found.update(n.name for n in node.names)
        elif isinstance(node, ast.Import):
            for name in node.names:
                if name.name.startswith("homeassistant.components."):
                    found.add(name.name.split(".")[2])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def test_dependencies_match_imports(manifest: dict[str, Any]) -> None:
    """hassfest: every used component is in dependencies/after_dependencies."""
    from homeassistant.const import Platform

    deps = set(manifest.get("dependencies", []))
    after = set(manifest.get("after_dependencies", []))
    assert not deps & after, f"in both lists: {deps & after}"
    for domain in deps | after:
        assert (HA_COMPONENTS / domain).is_dir(), f"dependency {domain} does not exist"
    allowed = ALLOWED_USED_COMPONENTS | {p.value for p in Platform} | deps | after | {DOMAIN}
    missing: dict[str, set[str]] = {}
    for path in python_files():
        refs = referenced_components(ast.parse(path.read_text(encoding="utf-8")))
        # A platform module (sensor.py, backup.py, ...) may use its own component.
        top = path.relative_to(INTEGRATION).parts[0].removesuffix(".py")
        bad = {r for r in refs - allowed if r != top}
        if bad:
            missing[rel(path)] = bad
    assert not missing, f"Using components not in 'dependencies' or 'after_dependencies': {missing}"


def test_dependency_scan_sees_imports() -> None:
    """The import scan finds component imports and skips TYPE_CHECKING blocks."""
    tree = ast.parse(
        "from homeassistant.components.recorder import get_instance\n"
        "import homeassistant.components.mqtt as mqtt\n"
        "from homeassistant.components import backup\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from homeassistant.components.zha import x\n"
    )
    assert referenced_components(tree) == {"recorder", "mqtt", "backup"}


# -------------------------------------------------------------------- services.yaml


def registers_services() -> bool:
    """Whether the code registers service actions (then services.yaml is required)."""
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in SERVICE_REGISTRATION
                and not (
                    node.func.attr == "async_register"
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "register"  # system_health registration
                )
            ):
                return True
    return False


def load_services() -> dict[str, Any]:
    """services.yaml, or {} if there is none."""
    path = INTEGRATION / "services.yaml"
    if not path.exists():
        return {}
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return data


def service_fields(service: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (name, field) for every field, sections included."""
    for name, field in (service.get("fields") or {}).items():
        if isinstance(field, dict) and "fields" in field:  # a section
            yield from (field["fields"] or {}).items()
        else:
            yield name, field or {}


def test_services_yaml_exists_if_services_registered() -> None:
    """hassfest: "Registers services but has no services.yaml"."""
    if registers_services():
        assert (INTEGRATION / "services.yaml").is_file()


def test_services_structure() -> None:
    """Service slugs, unique field names, no device filter on targets (2026.11)."""
    for slug, raw in load_services().items():
        assert RE_TRANSLATION_KEY.match(slug), slug
        service: dict[str, Any] = raw or {}
        assert set(service) <= {"target", "fields", "name", "description"}, slug
        target = service.get("target") or {}
        for spec in (target.get("entity") or [], target.get("device") or []):
            for item in spec if isinstance(spec, list) else [spec]:
                assert "device" not in (item or {}), f"{slug}: device filter on target"
        names = [name for name, _ in service_fields(service)]
        assert len(names) == len(set(names)), f"{slug}: duplicate field names"
        for name, field in service_fields(service):
            assert RE_TRANSLATION_KEY.match(name), f"{slug}.{name}"
            allowed = {"required", "example", "default", "advanced", "selector", "filter"}
            assert set(field) <= allowed | {"name", "description"}, f"{slug}.{name}"


def test_services_selectors_valid() -> None:
    """hassfest: every selector passes selector.validate_selector."""
    for slug, service in load_services().items():
        for name, field in service_fields(service or {}):
            if "selector" in field:
                try:
                    validate_selector(field["selector"])
                except vol.Invalid as err:
                    pytest.fail(f"{slug}.{name}: invalid selector: {err}")


def test_services_translated(translations: dict[str, Any]) -> None:
    """Every service and field has a name and description in translations/en.json."""
    services = load_services()
    texts = translations.get("services", {})
    missing = []
    for slug, service in services.items():
        text = texts.get(slug, {})
        missing += [f"{slug}.{k}" for k in ("name", "description") if not text.get(k)]
        for section, spec in ((service or {}).get("fields") or {}).items():
            if (
                isinstance(spec, dict)
                and "fields" in spec
                and not text.get("sections", {}).get(section, {}).get("name")
            ):
                missing.append(f"{slug}.sections.{section}.name")
        for name, _ in service_fields(service or {}):
            field = text.get("fields", {}).get(name, {})
            missing += [
                f"{slug}.fields.{name}.{k}" for k in ("name", "description") if not field.get(k)
            ]
    assert not missing, f"untranslated: {missing}"
    assert set(texts) <= set(services), (
        f"translations for unknown services: {set(texts) - set(services)}"
    )


def test_select_selector_translation_keys(translations: dict[str, Any]) -> None:
    """A select selector with translation_key needs selector.<key>.options.<value>."""
    missing = []
    for slug, service in load_services().items():
        for name, field in service_fields(service or {}):
            select = (field.get("selector") or {}).get("select")
            if not select or "translation_key" not in select:
                continue
            key = select["translation_key"]
            options = translations.get("selector", {}).get(key, {}).get("options", {})
            for option in select.get("options", []):
                value = option["value"] if isinstance(option, dict) else option
                if value not in options:
                    missing.append(f"{slug}.{name}: selector.{key}.options.{value}")
    assert not missing, missing


# ------------------------------------------------------------------------ translations


def translation_value_problem(value: str) -> str | None:
    """hassfest's rules for one translated string, or None if it is fine."""
    if RE_HTML.search(value):
        return "contains HTML"
    if RE_PLACEHOLDER_IN_SINGLE_QUOTES.search(value):
        return "placeholder inside single quotes"
    if RE_COMBINED_REFERENCE.search(value):
        return "combined translation reference"
    if value != value.strip():
        return "leading or trailing spaces"
    return None


def slug_keys(translations: dict[str, Any]) -> Iterator[str]:
    """Keys that hassfest validates as translation keys (dotted path)."""
    for key, sel in translations.get("selector", {}).items():
        yield f"selector.{key}"
        for sub in ("options", "choices", "unit_of_measurement", "fields"):
            yield from (f"selector.{key}.{sub}.{k}" for k in sel.get(sub, {}))
    for platform, entities in translations.get("entity", {}).items():
        for key, entity in entities.items():
            yield f"entity.{platform}.{key}"
            yield from (f"entity.{platform}.{key}.state.{s}" for s in entity.get("state", {}))
    for section in ("exceptions", "issues", "services"):
        yield from (f"{section}.{k}" for k in translations.get(section, {}))
    for slug, service in translations.get("services", {}).items():
        yield from (f"services.{slug}.fields.{f}" for f in service.get("fields", {}))
    yield from (
        f"system_health.info.{k}" for k in translations.get("system_health", {}).get("info", {})
    )


def test_translation_sections(translations: dict[str, Any]) -> None:
    """Only sections Home Assistant knows."""
    assert set(translations) <= TRANSLATION_SECTIONS, set(translations) - TRANSLATION_SECTIONS


def test_translation_keys(translations: dict[str, Any]) -> None:
    """Keys are lowercase [a-z0-9-_] without leading, trailing or doubled _ or -."""
    bad = [k for k in slug_keys(translations) if not RE_TRANSLATION_KEY.match(k.rsplit(".", 1)[1])]
    assert not bad, bad


def test_translation_values(translations: dict[str, Any]) -> None:
    """No HTML, no quoted placeholders, no stray spaces, no combined references."""
    bad = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else key)
        elif isinstance(node, str):
            if problem := translation_value_problem(node):
                bad.append(f"{path}: {problem}")
        else:
            bad.append(f"{path}: not a string")

    walk(translations, "")
    assert not bad, bad


def test_translation_data_description_keys(translations: dict[str, Any]) -> None:
    """data_description keys must also be data keys (steps and sections)."""
    bad = []
    for flow in ("config", "options"):
        for step_id, step in translations.get(flow, {}).get("step", {}).items():
            places = [(f"{flow}.step.{step_id}", step)]
            places += [
                (f"{flow}.step.{step_id}.sections.{s}", sec)
                for s, sec in step.get("sections", {}).items()
            ]
            for where, place in places:
                extra = set(place.get("data_description", {})) - set(place.get("data", {}))
                bad += [f"{where}.data_description.{k}" for k in sorted(extra)]
    assert not bad, f"data_description keys without data: {bad}"


def test_translation_checks_catch_problems() -> None:
    """The translation rules themselves reject what hassfest rejects."""
    assert translation_value_problem("Use <b>this</b>")
    assert translation_value_problem("Name '{name}' is bad")
    assert translation_value_problem(" padded")
    assert translation_value_problem("Fine {name} text") is None
    for key in ("Upper", "_lead", "trail_", "dou__ble", "sp ace"):
        assert not RE_TRANSLATION_KEY.match(key), key
    assert RE_TRANSLATION_KEY.match("good_key-1")


# ------------------------------------------------------------------------------ icons


def test_icons() -> None:
    """icons.json: every icon is an mdi: icon; a state icon never equals default."""
    path = INTEGRATION / "icons.json"
    if not path.exists():
        pytest.skip("no icons.json yet")
    icons = load_json(path)
    bad = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            default = node.get("default")
            for key, value in node.items():
                if key == "state" and isinstance(value, dict) and default in value.values():
                    bad.append(f"{where}.state repeats the default icon")
                walk(value, f"{where}.{key}")
        elif isinstance(node, str):
            if not node.startswith("mdi:"):
                bad.append(f"{where}: {node!r}")
        elif isinstance(node, (int, float)):
            pass  # range thresholds are keys, not values; tolerate numbers
        else:
            bad.append(f"{where}: unexpected {type(node).__name__}")

    walk(icons, "icons")
    for platform, entities in icons.get("entity", {}).items():
        bad += [f"entity.{platform}.{k}" for k in entities if not RE_TRANSLATION_KEY.match(k)]
    for slug in icons.get("services", {}):
        if slug not in load_services():
            bad.append(f"services.{slug}: no such service")
    assert not bad, bad


# ------------------------------------------------------------------------ HACS, brand


def test_hacs_json() -> None:
    """hacs.json: known keys only, a name, minimum Home Assistant 2025.4.0."""
    hacs = load_json(ROOT / "hacs.json")
    assert set(hacs) <= HACS_KEYS, set(hacs) - HACS_KEYS
    assert hacs.get("name")
    assert hacs.get("homeassistant") == "2025.4.0"
    if "zip_release" in hacs:
        assert hacs.get("filename")


@pytest.mark.parametrize(("name", "size"), [("icon.png", 256), ("icon@2x.png", 512)])
def test_brand_icon(name: str, size: int) -> None:
    """brand/icon.png is 256x256 and icon@2x.png 512x512, PNG with transparency."""
    with Image.open(INTEGRATION / "brand" / name) as image:
        assert image.format == "PNG"
        assert image.size == (size, size)
        assert image.mode == "RGBA"


@pytest.mark.parametrize(("name", "short"), [("logo.png", 128), ("logo@2x.png", 256)])
def test_brand_logo(name: str, short: int) -> None:
    """Logos are landscape with the brands repo's shortest side."""
    path = INTEGRATION / "brand" / name
    if not path.exists():
        pytest.skip(f"no {name}")
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.width >= image.height
        assert min(image.size) == short


def test_config_schema_with_async_setup() -> None:
    """hassfest: an __init__.py that defines async_setup/setup defines CONFIG_SCHEMA."""
    tree = ast.parse((INTEGRATION / "__init__.py").read_text(encoding="utf-8"))
    functions = {
        n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    assigned = {
        t.id
        for n in tree.body
        if isinstance(n, (ast.Assign, ast.AnnAssign))
        for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
        if isinstance(t, ast.Name)
    }
    if functions & {"async_setup", "setup"}:
        assert "CONFIG_SCHEMA" in assigned


# ------------------------------------------------------------------- banned API scan


def masked_source(source: str) -> str:
    """The source with comments and string contents blanked (positions kept)."""
    lines = source.splitlines(keepends=True)
    chars = [list(line) for line in lines]
    masked_types = {tokenize.COMMENT, tokenize.STRING}
    fstring_middle = getattr(tokenize, "FSTRING_MIDDLE", None)
    if fstring_middle is not None:
        masked_types.add(fstring_middle)
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in masked_types:
            continue
        (srow, scol), (erow, ecol) = tok.start, tok.end
        for row in range(srow, erow + 1):
            line = chars[row - 1]
            start = scol if row == srow else 0
            end = ecol if row == erow else len(line)
            for col in range(start, end):
                if line[col] not in "\n\r":
                    line[col] = " "
    return "".join("".join(line) for line in chars)


def regex_finder(pattern: str) -> Callable[[str], list[int]]:
    """A finder returning the lines where ``pattern`` matches real code."""
    compiled = re.compile(pattern, re.MULTILINE)

    def find(source: str) -> list[int]:
        code = masked_source(source)
        return [code.count("\n", 0, m.start()) + 1 for m in compiled.finditer(code)]

    return find


def ast_finder(predicate: Callable[[ast.AST, list[ast.AST]], bool]) -> Callable[[str], list[int]]:
    """A finder returning the lines of AST nodes matching ``predicate(node, parents)``."""

    def find(source: str) -> list[int]:
        hits: list[int] = []

        def visit(node: ast.AST, parents: list[ast.AST]) -> None:
            if predicate(node, parents):
                hits.append(getattr(node, "lineno", 0))
            for child in ast.iter_child_nodes(node):
                visit(child, [*parents, node])

        visit(ast.parse(source), [])
        return hits

    return find


def _call_name(node: ast.AST) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _template_without_hass(node: ast.AST, _parents: list[ast.AST]) -> bool:
    return (
        _call_name(node) == "Template"
        and isinstance(node, ast.Call)
        and len(node.args) < 2
        and not any(k.arg == "hass" for k in node.keywords)
    )


def _options_flow_sets_config_entry(node: ast.AST, parents: list[ast.AST]) -> bool:
    if not isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        return False
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    if not any(
        isinstance(t, ast.Attribute)
        and t.attr == "config_entry"
        and isinstance(t.value, ast.Name)
        and t.value.id == "self"
        for t in targets
    ):
        return False
    classes = [p for p in parents if isinstance(p, ast.ClassDef)]
    return any("OptionsFlow" in ast.unparse(base) for c in classes for base in c.bases)


def _imports(module: str, names: set[str]) -> Callable[[ast.AST, list[ast.AST]], bool]:
    def predicate(node: ast.AST, _parents: list[ast.AST]) -> bool:
        return (
            isinstance(node, ast.ImportFrom)
            and node.module == module
            and any(n.name in names for n in node.names)
        )

    return predicate


def _service_registration_with_placeholders(node: ast.AST, _parents: list[ast.AST]) -> bool:
    return (
        _call_name(node) in SERVICE_REGISTRATION
        and isinstance(node, ast.Call)
        and any(k.arg == "description_placeholders" for k in node.keywords)
    )


def _keyword(name: str) -> Callable[[ast.AST, list[ast.AST]], bool]:
    def predicate(node: ast.AST, _parents: list[ast.AST]) -> bool:
        return isinstance(node, ast.Call) and any(k.arg == name for k in node.keywords)

    return predicate


@dataclass(frozen=True)
class Banned:
    """One removed/changed API, how to find it, and a snippet that uses it."""

    id: str
    reason: str
    find: Callable[[str], list[int]]
    bad: str
    good: str = "x = 1\n"


BANNED = [
    Banned(
        "run_immediately",
        "bus.async_listen(run_immediately=) raises RuntimeError for custom integrations in 2026.11",
        regex_finder(r"\brun_immediately\b"),
        "hass.bus.async_listen('e', cb, run_immediately=True)\n",
        "hass.bus.async_listen('e', cb)  # no run_immediately here\n",
    ),
    Banned(
        "async_track_state_change",
        "removed in 2026.11; use async_track_state_change_event",
        regex_finder(r"\basync_track_state_change\b"),
        "async_track_state_change(hass, 'sensor.x', cb)\n",
        "async_track_state_change_event(hass, ['sensor.x'], cb)\n",
    ),
    Banned(
        "Template-without-hass",
        "Template(str) without hass: hass is a required argument by 2026.11 (TypeError)",
        ast_finder(_template_without_hass),
        "tpl = Template('{{ 1 }}')\n",
        "tpl = Template('{{ 1 }}', hass)\ntpl2 = template.Template(src, hass=hass)\n",
    ),
    Banned(
        "OptionsFlow-config_entry",
        "the OptionsFlow.config_entry setter is gone since 2025.12 (AttributeError)",
        ast_finder(_options_flow_sets_config_entry),
        "class F(config_entries.OptionsFlow):\n"
        "    def __init__(self, entry):\n"
        "        self.config_entry = entry\n",
        "class C(DataUpdateCoordinator):\n"
        "    def __init__(self, e):\n"
        "        self.config_entry = e\n",
    ),
    Banned(
        "OptionsFlowWithConfigEntry",
        "phased out; subclass OptionsFlow and never set config_entry",
        regex_finder(r"\bOptionsFlowWithConfigEntry\b"),
        "class F(OptionsFlowWithConfigEntry):\n    pass\n",
    ),
    Banned(
        "hass.helpers",
        "removed in 2025.5; import the helper modules",
        regex_finder(r"\bhass\.helpers\b"),
        "hass.helpers.event.async_call_later(hass, 1, cb)\n",
        "from homeassistant.helpers import event\n",
    ),
    Banned(
        "hass.components",
        "gone by 2026.2; import the component",
        regex_finder(r"\bhass\.components\b"),
        "hass.components.persistent_notification.async_create('x')\n",
        "if 'recorder' in hass.config.components:\n    pass\n",
    ),
    Banned(
        "register_static_path",
        "removed in 2025.7; use await hass.http.async_register_static_paths",
        regex_finder(r"\bregister_static_path\s*\("),
        "hass.http.register_static_path('/x', path)\n",
        "await hass.http.async_register_static_paths([cfg])\n",
    ),
    Banned(
        "utc_to_timestamp",
        "dt_util.utc_to_timestamp removed in 2026.1; use dt.timestamp()",
        regex_finder(r"\butc_to_timestamp\b"),
        "ts = dt_util.utc_to_timestamp(now)\n",
    ),
    Banned(
        "helpers.json-json_loads",
        "helpers.json.json_loads / JSON_*_EXCEPTIONS moved to homeassistant.util.json (2025.8)",
        ast_finder(
            _imports(
                "homeassistant.helpers.json",
                {"json_loads", "JSON_DECODE_EXCEPTIONS", "JSON_ENCODE_EXCEPTIONS"},
            )
        ),
        "from homeassistant.helpers.json import json_loads\n",
        "from homeassistant.util.json import json_loads\n",
    ),
    Banned(
        "core-Config",
        "homeassistant.core.Config moved to homeassistant.core_config (2025.11)",
        ast_finder(_imports("homeassistant.core", {"Config"})),
        "from homeassistant.core import (\n    Config,\n    HomeAssistant,\n)\n",
        "from homeassistant.core import HomeAssistant\n",
    ),
    Banned(
        "async_forward_entry_setup",
        "the singular form was removed in 2025.6; await async_forward_entry_setups",
        regex_finder(r"\basync_forward_entry_setup\s*\("),
        "await hass.config_entries.async_forward_entry_setup(entry, 'sensor')\n",
        "await hass.config_entries.async_forward_entry_setups(entry, ['sensor'])\n",
    ),
    Banned(
        "async_add_job",
        "deprecated; use hass.async_create_task / async_add_executor_job",
        regex_finder(r"\basync_add_job\s*\("),
        "hass.async_add_job(cb)\n",
        "hass.async_add_executor_job(cb)\n",
    ),
    Banned(
        "service-description_placeholders",
        "description_placeholders= on service registration is a TypeError on 2025.4",
        ast_finder(_service_registration_with_placeholders),
        "hass.services.async_register(DOMAIN, 'x', h, description_placeholders={})\n",
        "self.async_show_form(step_id='user', description_placeholders={})\n",
    ),
    Banned(
        "retry_after",
        "UpdateFailed(retry_after=) only exists from 2025.12 (TypeError on 2025.4)",
        ast_finder(_keyword("retry_after")),
        "raise UpdateFailed('x', retry_after=30)\n",
    ),
    Banned(
        "suggested_area",
        "DeviceEntry.suggested_area was removed in 2026.9; use area_id",
        regex_finder(r"\bsuggested_area\b"),
        "DeviceInfo(identifiers={(D, 'x')}, suggested_area='Hall')\n",
    ),
    Banned(
        "voluptuous_serialize",
        "not installed from 2026.9 (probatio replaced voluptuous)",
        regex_finder(r"\bvoluptuous_(serialize|openapi)\b"),
        "import voluptuous_serialize\n",
    ),
    Banned(
        "datetime.utcnow",
        "deprecated since Python 3.12; use dt_util.utcnow()",
        regex_finder(r"\bdatetime\.utcnow\b"),
        "now = datetime.utcnow()\n",
        "now = dt_util.utcnow()\n",
    ),
    Banned(
        "utcfromtimestamp",
        "deprecated since Python 3.12; use dt_util.utc_from_timestamp()",
        regex_finder(r"\butcfromtimestamp\b"),
        "t = datetime.utcfromtimestamp(0)\n",
        "t = dt_util.utc_from_timestamp(0)\n",
    ),
    Banned(
        "asyncio.get_event_loop",
        "raises without a current loop on Python 3.14 (HA 2026.3+); use hass.loop",
        regex_finder(r"\bget_event_loop\s*\("),
        "loop = asyncio.get_event_loop()\n",
        "loop = asyncio.get_running_loop()\n",
    ),
    Banned(
        "pep758-except",
        "`except A, B:` without parentheses is a SyntaxError on Python 3.13",
        regex_finder(r"^\s*except\s+(?!\()[^:\n]*,[^:\n]*(\s+as\s+\w+)?\s*:"),
        "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n",
        "try:\n    pass\nexcept (ValueError, TypeError) as err:\n    pass\n",
    ),
]


def banned_hits(banned: Banned) -> list[str]:
    """Where the integration uses ``banned``."""
    hits = []
    for path in python_files():
        source = path.read_text(encoding="utf-8")
        try:
            lines = banned.find(source)
        except SyntaxError as err:  # e.g. PEP 758 syntax under Python 3.13
            lines = [err.lineno or 0]
        hits += [f"{rel(path)}:{line}" for line in lines]
    return hits


@pytest.mark.parametrize("banned", BANNED, ids=lambda b: b.id)
def test_banned_api_not_used(banned: Banned) -> None:
    """The integration uses no API removed/changed between 2025.4 and 2026.11."""
    hits = banned_hits(banned)
    assert not hits, f"{banned.id} ({banned.reason}) used at: {hits}"


@pytest.mark.parametrize("banned", BANNED, ids=lambda b: b.id)
def test_banned_api_scan_detects_snippet(banned: Banned) -> None:
    """Each scan finds its banned snippet and passes its look-alike fix."""
    if banned.id == "pep758-except":
        # Python 3.13 cannot parse it at all, so only the text scan applies.
        assert banned.find(banned.bad) == [3]
    else:
        assert banned.find(banned.bad), f"{banned.id}: scan missed {banned.bad!r}"
    assert banned.find(banned.good) == [], f"{banned.id}: false positive on {banned.good!r}"


def test_banned_scan_ignores_strings_and_comments() -> None:
    """Names in docstrings or comments are not uses."""
    source = '"""Never use hass.helpers or run_immediately."""\nx = 1  # datetime.utcnow\n'
    assert all(b.find(source) == [] for b in BANNED if b.id != "Template-without-hass")


def test_all_files_parse_on_python_313() -> None:
    """Every module parses with Python 3.13 grammar (2025.4 runs on 3.13)."""
    for path in python_files():
        ast.parse(path.read_text(encoding="utf-8"), feature_version=(3, 13))
