package dev.baton.flow;

import java.util.List;

/**
 * Carries out the engine's commands. Called on the actor's thread, so it must hand slow work (API
 * calls) to other threads and report outcomes back with {@link FlowActor#tell}.
 */
public interface CommandSink {
  void execute(FlowActor actor, List<Command> commands);
}
