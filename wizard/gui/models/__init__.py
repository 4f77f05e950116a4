"""Qt item models over the agent's JSON (task snapshots, failure pages): no engine or storage import, no widget."""

from wizard.gui.models.failures import FailureColumn, FailuresModel, IdRole, RawRole, human_size, local_time
from wizard.gui.models.tasks import (
    SnapshotRole,
    StateRole,
    TaskColumn,
    TaskIdRole,
    TaskListModel,
    progress_text,
    state_color,
)

__all__ = ["FailureColumn", "FailuresModel", "IdRole", "RawRole", "SnapshotRole", "StateRole", "TaskColumn",
           "TaskIdRole", "TaskListModel", "human_size", "local_time", "progress_text", "state_color"]
