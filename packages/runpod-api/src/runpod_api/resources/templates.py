"""`client.templates`: list, get, create, update, delete."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence

from .._resource import AsyncAPIResource, SyncAPIResource, require_id
from .._types import NOT_GIVEN, NotGiven, TimeoutTypes
from ..types import Template, TemplateParams
from ._params import changes, given

__all__ = ("AsyncTemplates", "Templates")


def _update_changes(template_id: str, arguments: dict[str, object]) -> tuple[str, dict[str, object]]:
    require_id("template_id", template_id)
    values = changes(arguments, drop=("template_id",))
    if not values:
        raise ValueError("give at least one setting to change")
    return template_id, values


class Templates(SyncAPIResource):
    """Pod and serverless templates: `client.templates`."""

    def list(
        self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> builtins.list[Template]:
        """Return the account's own templates."""
        return self._run(self._backend.templates.list(), timeout=timeout, max_retries=max_retries)

    def get(
        self, template_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> Template:
        """Return one template.

        Raises:
            NotFoundError: There is no template with this id.
        """
        plan = self._backend.templates.get(require_id("template_id", template_id))
        return self._run(plan, timeout=timeout, max_retries=max_retries)

    def create(
        self,
        *,
        name: str,
        image_name: str,
        docker_args: str = "",
        container_disk_in_gb: int = 10,
        volume_in_gb: int = 0,
        volume_mount_path: str | None = None,
        ports: str | Sequence[str] | None = None,
        env: Mapping[str, str] | None = None,
        is_serverless: bool = False,
        is_public: bool | None = None,
        container_registry_auth_id: str | None = None,
        start_ssh: bool | None = None,
        start_jupyter: bool | None = None,
        start_script: str | None = None,
        readme: str | None = None,
        advanced_start: bool | None = None,
        ports_config: Mapping[str, str] | None = None,
        category: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> Template:
        """Create a template (names must be unique in the account).

        Args:
            name: The template's name.
            image_name: The container image.
            docker_args: The container's start command (runpod-python's `docker_start_cmd`).
            container_disk_in_gb: The container disk's size.
            volume_in_gb: The pod volume's size.
            volume_mount_path: Where the volume is mounted.
            ports: Ports to expose: "8888/http,22/tcp" or ["8888/http", "22/tcp"].
            env: Environment variables; their values never appear in errors or reprs.
            is_serverless: A template for serverless workers rather than pods.
            is_public: Share the template publicly.
            container_registry_auth_id: Registry credentials for a private image.
            start_ssh: Start an SSH server.
            start_jupyter: Start Jupyter.
            start_script: A script run at start.
            readme: Markdown shown with the template.
            advanced_start: Runpod's advanced start mode for the container.
            ports_config: Names for ports, by port number: {"8888": "Jupyter"}.
            category: "CPU", "GPU", "NVIDIA" or "AMD".
            timeout: This call's time limits.
            max_retries: This call's retry count.
        """
        params = TemplateParams.model_validate(given(locals()))
        return self._run(self._backend.templates.create(params), timeout=timeout, max_retries=max_retries)

    def update(
        self,
        template_id: str,
        *,
        name: str | NotGiven = NOT_GIVEN,
        image_name: str | NotGiven = NOT_GIVEN,
        docker_args: str | NotGiven = NOT_GIVEN,
        container_disk_in_gb: int | NotGiven = NOT_GIVEN,
        volume_in_gb: int | NotGiven = NOT_GIVEN,
        volume_mount_path: str | None | NotGiven = NOT_GIVEN,
        ports: str | Sequence[str] | None | NotGiven = NOT_GIVEN,
        env: Mapping[str, str] | NotGiven = NOT_GIVEN,
        is_serverless: bool | NotGiven = NOT_GIVEN,
        is_public: bool | None | NotGiven = NOT_GIVEN,
        container_registry_auth_id: str | None | NotGiven = NOT_GIVEN,
        start_ssh: bool | None | NotGiven = NOT_GIVEN,
        start_jupyter: bool | None | NotGiven = NOT_GIVEN,
        start_script: str | None | NotGiven = NOT_GIVEN,
        readme: str | None | NotGiven = NOT_GIVEN,
        advanced_start: bool | None | NotGiven = NOT_GIVEN,
        ports_config: Mapping[str, str] | None | NotGiven = NOT_GIVEN,
        category: str | None | NotGiven = NOT_GIVEN,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> Template:
        """Change some of a template's settings; the rest stay. None clears an optional setting.

        Runpod replaces a template whole on update, so this reads the current one first and sends it back
        changed.

        Raises:
            NotFoundError: There is no template with this id.
            ValueError: No setting was given, or the result would be invalid.
        """
        template_id, values = _update_changes(template_id, locals())
        return self._run(self._backend.templates.update(template_id, values), timeout=timeout, max_retries=max_retries)

    def delete(
        self, template_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> None:
        """Delete a template (Runpod refuses while a pod or endpoint uses it)."""
        plan = self._backend.templates.delete(require_id("template_id", template_id))
        self._run(plan, timeout=timeout, max_retries=max_retries)


class AsyncTemplates(AsyncAPIResource):
    """Pod and serverless templates: `client.templates` of an `AsyncRunpod`; the methods of `Templates`."""

    async def list(
        self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> builtins.list[Template]:
        """Return the account's own templates."""
        return await self._run(self._backend.templates.list(), timeout=timeout, max_retries=max_retries)

    async def get(
        self, template_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> Template:
        """Return one template (see `Templates.get`)."""
        plan = self._backend.templates.get(require_id("template_id", template_id))
        return await self._run(plan, timeout=timeout, max_retries=max_retries)

    async def create(
        self,
        *,
        name: str,
        image_name: str,
        docker_args: str = "",
        container_disk_in_gb: int = 10,
        volume_in_gb: int = 0,
        volume_mount_path: str | None = None,
        ports: str | Sequence[str] | None = None,
        env: Mapping[str, str] | None = None,
        is_serverless: bool = False,
        is_public: bool | None = None,
        container_registry_auth_id: str | None = None,
        start_ssh: bool | None = None,
        start_jupyter: bool | None = None,
        start_script: str | None = None,
        readme: str | None = None,
        advanced_start: bool | None = None,
        ports_config: Mapping[str, str] | None = None,
        category: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> Template:
        """Create a template (see `Templates.create` for every argument)."""
        params = TemplateParams.model_validate(given(locals()))
        return await self._run(self._backend.templates.create(params), timeout=timeout, max_retries=max_retries)

    async def update(
        self,
        template_id: str,
        *,
        name: str | NotGiven = NOT_GIVEN,
        image_name: str | NotGiven = NOT_GIVEN,
        docker_args: str | NotGiven = NOT_GIVEN,
        container_disk_in_gb: int | NotGiven = NOT_GIVEN,
        volume_in_gb: int | NotGiven = NOT_GIVEN,
        volume_mount_path: str | None | NotGiven = NOT_GIVEN,
        ports: str | Sequence[str] | None | NotGiven = NOT_GIVEN,
        env: Mapping[str, str] | NotGiven = NOT_GIVEN,
        is_serverless: bool | NotGiven = NOT_GIVEN,
        is_public: bool | None | NotGiven = NOT_GIVEN,
        container_registry_auth_id: str | None | NotGiven = NOT_GIVEN,
        start_ssh: bool | None | NotGiven = NOT_GIVEN,
        start_jupyter: bool | None | NotGiven = NOT_GIVEN,
        start_script: str | None | NotGiven = NOT_GIVEN,
        readme: str | None | NotGiven = NOT_GIVEN,
        advanced_start: bool | None | NotGiven = NOT_GIVEN,
        ports_config: Mapping[str, str] | None | NotGiven = NOT_GIVEN,
        category: str | None | NotGiven = NOT_GIVEN,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> Template:
        """Change some of a template's settings; the rest stay (see `Templates.update`)."""
        template_id, values = _update_changes(template_id, locals())
        plan = self._backend.templates.update(template_id, values)
        return await self._run(plan, timeout=timeout, max_retries=max_retries)

    async def delete(
        self, template_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> None:
        """Delete a template (Runpod refuses while a pod or endpoint uses it)."""
        plan = self._backend.templates.delete(require_id("template_id", template_id))
        await self._run(plan, timeout=timeout, max_retries=max_retries)
