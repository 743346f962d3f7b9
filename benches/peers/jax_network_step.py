"""Performance peer of `cargo bench --bench network`: one training step of the same
nonlinear score network, written in JAX the way a practitioner would (jnp.pad with
mode="wrap" and lax.conv_general_dilated, jax.jit, Adam by hand), on the CPU in float32:
d = 2, L = 16, batch 16, width 8, one residual block, 3 x 3 kernels, SiLU, 16 sinusoidal
time features, noise output with the sigma_t^2 weighting, fixed batch. Prints ms/step and
site*samples per second. Usage: python3 jax_network_step.py [L] [B] [steps]"""
import sys, time
import numpy as np
import jax, jax.numpy as jnp

L = int(sys.argv[1]) if len(sys.argv) > 1 else 16
B = int(sys.argv[2]) if len(sys.argv) > 2 else 16
steps = int(sys.argv[3]) if len(sys.argv) > 3 else 200
W, E, lr = 8, 16, 2e-3
rng = np.random.default_rng(0)

def conv_params(cin, cout):
    return (rng.normal(size=(3, 3, cin, cout)).astype(np.float32) / np.sqrt(9 * cin),
            np.zeros(cout, np.float32))

params = {"in": conv_params(1, W), "b1": conv_params(W, W), "b2": conv_params(W, W),
          "out": conv_params(W, 1), "time": np.zeros((E, W), np.float32)}
params = jax.tree_util.tree_map(jnp.asarray, params)

def conv(h, p):
    w, b = p
    hp = jnp.pad(h, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="wrap")
    y = jax.lax.conv_general_dilated(hp, w, (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC"))
    return y + b

def embedding(t):
    u = jnp.log(t)[:, None]
    omega = 0.25 * 64.0 ** (jnp.arange(E // 2) / (E // 2 - 1))
    return jnp.concatenate([jnp.sin(omega * u), jnp.cos(omega * u)], axis=1)

def loss(params, xt, z, t):
    h = conv(xt[..., None], params["in"])
    inner = conv(jax.nn.silu(h), params["b1"]) + (embedding(t) @ params["time"])[:, None, None, :]
    h = h + conv(jax.nn.silu(inner), params["b2"])
    o = conv(jax.nn.silu(h), params["out"])[..., 0]
    return jnp.mean((z - o) ** 2)

@jax.jit
def step(params, m, v, i, xt, z, t):
    l, g = jax.value_and_grad(loss)(params, xt, z, t)
    m = jax.tree_util.tree_map(lambda m, g: 0.9 * m + 0.1 * g, m, g)
    v = jax.tree_util.tree_map(lambda v, g: 0.999 * v + 0.001 * g * g, v, g)
    c1, c2 = 1 - 0.9 ** i, 1 - 0.999 ** i
    params = jax.tree_util.tree_map(lambda p, m, v: p - lr * (m / c1) / (jnp.sqrt(v / c2) + 1e-8), params, m, v)
    return params, m, v, l

t = (0.02 * 50.0 ** (np.arange(B) / max(B - 1, 1))).astype(np.float32)
s = np.sqrt(1 - np.exp(-2 * t))[:, None, None]
z = rng.normal(size=(B, L, L)).astype(np.float32)
xt = (np.exp(-t)[:, None, None] * rng.normal(size=(B, L, L)) + s * z).astype(np.float32)
m = jax.tree_util.tree_map(jnp.zeros_like, params)
v = jax.tree_util.tree_map(jnp.zeros_like, params)
params, m, v, l = step(params, m, v, 1.0, xt, z, t); l.block_until_ready()
t0 = time.perf_counter()
for i in range(2, steps + 2):
    params, m, v, l = step(params, m, v, float(i), xt, z, t)
l.block_until_ready(); dt = (time.perf_counter() - t0) / steps
print(f"jax network step (fixed batch, f32): L={L} d=2 B={B} width {W}: {dt*1e3:.2f} ms/step, {B*L*L/dt:.3e} site*samples/s")
