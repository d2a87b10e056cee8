"""Templates over GraphQL: saveTemplate (create, and full replace), deleteTemplate (by name)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from ...types import Template, TemplateParams
from ..base import Plan
from ._common import call, compact, env_input, env_secrets, not_found, parse, parse_list

__all__ = ("GraphQLTemplates", "template_input")


def template_input(params: TemplateParams, template_id: str | None = None) -> dict[str, Any]:
    """The GraphQL SaveTemplateInput for a whole template (with `id` it replaces the template)."""
    return compact(
        {
            "id": template_id,
            "name": params.name,
            "imageName": params.image_name,
            "dockerArgs": params.docker_args,
            "containerDiskInGb": params.container_disk_in_gb,
            "volumeInGb": params.volume_in_gb,
            "volumeMountPath": params.volume_mount_path,
            "ports": params.ports,
            "env": env_input(params.env),
            "isServerless": params.is_serverless,
            "isPublic": params.is_public,
            "containerRegistryAuthId": params.container_registry_auth_id,
            "startSsh": params.start_ssh,
            "startJupyter": params.start_jupyter,
            "startScript": params.start_script,
            "readme": params.readme,
            "advancedStart": params.advanced_start,
            "portsConfig": [{"port": port, "name": name} for port, name in params.ports_config.items()]
            if params.ports_config
            else None,
            "category": params.category,
        }
    )


class GraphQLTemplates:
    """Templates through Runpod's GraphQL API."""

    def list(self) -> Plan[builtins.list[Template]]:
        """The account's own templates."""
        data = yield call("ListTemplates")
        return parse_list(Template, (data.get("myself") or {}).get("podTemplates"), "ListTemplates")

    def get(self, template_id: str) -> Plan[Template]:
        """One template; NotFoundError when there is none."""
        data = yield call("GetTemplate", id=template_id)
        if data.get("podTemplate") is None:
            raise not_found("template", template_id)
        return parse(Template, data["podTemplate"], "GetTemplate")

    def create(self, params: TemplateParams) -> Plan[Template]:
        """Create a template."""
        data = yield call("SaveTemplate", env_secrets(params.env), input=template_input(params))
        return parse(Template, data.get("saveTemplate"), "SaveTemplate")

    def update(self, template_id: str, changes: Mapping[str, Any]) -> Plan[Template]:
        """Change some settings: saveTemplate replaces the whole template, so send all of it."""
        current = yield from self.get(template_id)
        params = TemplateParams.from_template(current, **changes)
        data = yield call("SaveTemplate", env_secrets(params.env), input=template_input(params, template_id))
        return parse(Template, data.get("saveTemplate"), "SaveTemplate")

    def delete(self, template_id: str) -> Plan[None]:
        """Delete a template; Runpod deletes by name, so the name is looked up first."""
        current = yield from self.get(template_id)
        yield call("DeleteTemplate", name=current.name or "")
