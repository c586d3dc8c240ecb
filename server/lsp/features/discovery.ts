/**
 * `rook/discoverServers`: the model servers running on this machine's loopback interface; `rook/discoverModelFiles`:
 * the GGUF models in Ollama's and LM Studio's stores on this machine. Both for the engine picker.
 */
import type { Connection, ServerCapabilities } from 'vscode-languageserver';
import { discoverLocalServers } from '../../discovery/localServers';
import { discoverModelFiles } from '../../discovery/modelStores';
import { discoverModelFilesRequest, discoverServersRequest } from '../../protocol/contract';
import { byName, parseDiscoverServersParams } from '../params';
import type { Feature } from './feature';

export class DiscoveryFeature implements Feature {
  initialize(connection: Connection): ServerCapabilities {
    connection.onRequest(
      discoverServersRequest,
      byName('rook/discoverServers', (raw) => {
        const { ports } = parseDiscoverServersParams(raw);
        return discoverLocalServers(ports);
      }),
    );
    connection.onRequest(discoverModelFilesRequest, () => discoverModelFiles());
    return {};
  }
}
